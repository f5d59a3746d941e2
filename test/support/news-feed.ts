/** An RSS document of `count` distinct stories published over the last hours, for pipeline tests. */
export function newsFeedXml(name: string, count: number, now = Date.now()): string {
  const topics = ['harbour', 'railway', 'orchestra', 'glacier', 'satellite', 'vineyard', 'marathon', 'library', 'bridge', 'telescope', 'festival', 'reservoir'];
  const items = Array.from({ length: count }, (_, i) => {
    const topic = `${topics[i % topics.length]} ${name} ${i}`;
    const published = new Date(now - (i + 1) * 600_000).toUTCString();
    return `<item><guid>urn:${name}:${i}</guid><link>https://${name}.example/${i}</link><title>News about the ${topic}</title><description>The ${topic} opened today. Officials praised the ${topic} warmly.</description><pubDate>${published}</pubDate></item>`;
  });
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>${name}</title><link>https://${name}.example/</link>${items.join('')}</channel></rss>`;
}
