import { describe, expect, it } from 'vitest';
import { hostLabel, sourceNameFromTitle, withoutCreditedOutlet } from '../../src/feeds/source-name.js';

describe('sourceNameFromTitle', () => {
  it('keeps the outlet and drops taglines and sections', () => {
    const cases: [title: string, site: string | undefined, name: string][] = [
      ['The Moscow Times - News, Business, Culture & Multimedia from Russia', 'https://themoscowtimes.com/', 'The Moscow Times'],
      ['Wellness: Health, Fitness, Nutrition & More - The Washington Post', 'http://www.washingtonpost.com/lifestyle/wellness', 'The Washington Post'],
      ['Top stories - Google News', 'https://news.google.com/?hl=en-US', 'Google News'],
      ['Blog – InfluxData', 'https://www.influxdata.com/blog/', 'InfluxData'],
      ['NYT > Home Page', 'https://www.nytimes.com/', 'NYT'],
      ['HuffPost Canada - Athena2 - All Posts', 'http://www.aol.com', 'HuffPost Canada'],
      ['Engadget | Technology News & Reviews', undefined, 'Engadget'],
    ];
    for (const [title, site, name] of cases) expect(sourceNameFromTitle(title, site), title).toBe(name);
  });

  it('leaves a title alone when nothing after a separator reads as a tagline', () => {
    expect(sourceNameFromTitle('BBC News - World', 'https://www.bbc.co.uk/news/world')).toBe('BBC News - World');
    expect(sourceNameFromTitle('Stadtfeuerwehr Weiz - Einsätze', 'http://www.stfw-weiz.at')).toBe('Stadtfeuerwehr Weiz - Einsätze');
    expect(sourceNameFromTitle('Daring Fireball', 'https://daringfireball.net/')).toBe('Daring Fireball');
    expect(sourceNameFromTitle('Covid-19: the latest', undefined)).toBe('Covid-19: the latest');
  });
});

describe('hostLabel', () => {
  it('is the host as people read it: Unicode, without www., only for web addresses', () => {
    expect(hostLabel('https://www.xn--bcher-kva.example/feed')).toBe('bücher.example');
    expect(hostLabel('http://news.example.org:8080/rss')).toBe('news.example.org');
    expect(hostLabel('file:///tmp/feed.xml')).toBeUndefined();
    expect(hostLabel('not a url')).toBeUndefined();
    expect(hostLabel(undefined)).toBeUndefined();
  });
});

describe('withoutCreditedOutlet', () => {
  it('drops the outlet an aggregator appends to a title, and nothing else', () => {
    expect(withoutCreditedOutlet('Fed raises rates again - Reuters', 'Reuters')).toBe('Fed raises rates again');
    expect(withoutCreditedOutlet('Fed raises rates again | CNN', 'CNN')).toBe('Fed raises rates again');
    expect(withoutCreditedOutlet('Reuters', 'Reuters')).toBe('Reuters');
    expect(withoutCreditedOutlet('Analysts at Reuters', 'Reuters')).toBe('Analysts at Reuters');
  });
});
