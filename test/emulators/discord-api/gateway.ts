import { randomUUID } from 'node:crypto';
import { GatewayOpcodes } from 'discord.js';
import { type WebSocket, WebSocketServer } from 'ws';
import { guildPayload, type Json, userPayload } from './model.js';
import type { DiscordWorld } from './state.js';

interface Session {
  id: string;
  socket: WebSocket;
  sequence: number;
}

export interface GatewayOptions {
  world: DiscordWorld;
  token: string;
  url: string;
  heartbeatIntervalMs: number;
}

/** Discord's close code for a wrong token; discord.js treats it as unrecoverable. */
const AUTHENTICATION_FAILED = 4004;

/**
 * The gateway WebSocket: HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeat ACKs, RESUME, and
 * dispatch of any event to every identified session.
 */
export class Gateway {
  readonly server = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();
  private readonly identifyWaiters: (() => void)[] = [];
  /** How many IDENTIFY and RESUME handshakes succeeded, for tests of reconnection. */
  readonly handshakes = { identified: 0, resumed: 0 };

  constructor(private readonly options: GatewayOptions) {
    this.server.on('connection', (socket) => this.accept(socket));
  }

  /** Sessions that completed IDENTIFY (or RESUME) and are still open. */
  get identifiedCount(): number {
    return [...this.sessions.values()].filter((s) => s.socket.readyState === s.socket.OPEN).length;
  }

  /** Resolves once some client has identified (now, if one already has). */
  identified(): Promise<void> {
    if (this.identifiedCount > 0) return Promise.resolve();
    return new Promise((resolve) => this.identifyWaiters.push(resolve));
  }

  /** Sends a dispatch event (op 0) to every identified session; returns how many received it. */
  dispatch(event: string, data: Json): number {
    let delivered = 0;
    for (const session of this.sessions.values()) {
      if (session.socket.readyState !== session.socket.OPEN) continue;
      session.sequence += 1;
      session.socket.send(JSON.stringify({ op: GatewayOpcodes.Dispatch, t: event, s: session.sequence, d: data }));
      delivered += 1;
    }
    return delivered;
  }

  /** Asks every client to reconnect (op 7), as Discord does before moving a session; clients then RESUME. */
  requestReconnect(): void {
    for (const session of this.sessions.values()) {
      if (session.socket.readyState === session.socket.OPEN) session.socket.send(JSON.stringify({ op: GatewayOpcodes.Reconnect, d: null }));
    }
  }

  close(): void {
    for (const socket of this.server.clients) socket.terminate();
    this.server.close();
  }

  private accept(socket: WebSocket): void {
    socket.send(JSON.stringify({ op: GatewayOpcodes.Hello, d: { heartbeat_interval: this.options.heartbeatIntervalMs } }));
    socket.on('message', (raw) => {
      let payload: { op?: number; d?: Json };
      try {
        payload = JSON.parse(String(raw)) as { op?: number; d?: Json };
      } catch {
        socket.close(4002, 'Decode error');
        return;
      }
      this.handle(socket, payload.op, payload.d ?? {});
    });
  }

  private handle(socket: WebSocket, op: number | undefined, d: Json): void {
    switch (op) {
      case GatewayOpcodes.Heartbeat:
        socket.send(JSON.stringify({ op: GatewayOpcodes.HeartbeatAck }));
        return;
      case GatewayOpcodes.Identify:
        this.identify(socket, d);
        return;
      case GatewayOpcodes.Resume:
        this.resume(socket, d);
        return;
      default:
        // Presence updates, member requests, voice: accepted and ignored.
        return;
    }
  }

  private identify(socket: WebSocket, d: Json): void {
    if (d.token !== this.options.token) {
      socket.close(AUTHENTICATION_FAILED, 'Authentication failed.');
      return;
    }
    const { world } = this.options;
    const session: Session = { id: randomUUID().replace(/-/g, ''), socket, sequence: 0 };
    this.sessions.set(session.id, session);
    const send = (event: string, data: Json) => {
      session.sequence += 1;
      socket.send(JSON.stringify({ op: GatewayOpcodes.Dispatch, t: event, s: session.sequence, d: data }));
    };
    send('READY', {
      v: 10,
      user: { ...userPayload({ ...world.bot, bot: true }), verified: true, mfa_enabled: false },
      guilds: world.guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: session.id,
      resume_gateway_url: this.options.url,
      shard: [0, 1],
      application: { id: world.applicationId, flags: 0 },
      private_channels: [],
      relationships: [],
    });
    for (const guild of world.guilds) {
      send('GUILD_CREATE', guildPayload(guild, [...world.channels.values()].filter((c) => c.guildId === guild.id), true));
    }
    this.handshakes.identified += 1;
    for (const waiter of this.identifyWaiters.splice(0)) waiter();
  }

  private resume(socket: WebSocket, d: Json): void {
    const session = this.sessions.get(String(d.session_id));
    if (!session || d.token !== this.options.token) {
      socket.send(JSON.stringify({ op: GatewayOpcodes.InvalidSession, d: false }));
      return;
    }
    session.socket = socket;
    this.handshakes.resumed += 1;
    session.sequence += 1;
    socket.send(JSON.stringify({ op: GatewayOpcodes.Dispatch, t: 'RESUMED', s: session.sequence, d: {} }));
  }
}
