/** Offline knowledge of the reference agent: enough to plan deterministic trips without a network. */
export interface Attraction {
  name: string;
  kind: 'sight' | 'museum' | 'food' | 'walk';
  hours: number;
}

const CATALOGUE: Record<string, Attraction[]> = {
  Rome: [
    { name: 'Colosseum and Roman Forum', kind: 'sight', hours: 4 },
    { name: 'Vatican Museums and Sistine Chapel', kind: 'museum', hours: 4 },
    { name: "St Peter's Basilica", kind: 'sight', hours: 2 },
    { name: 'Pantheon and Piazza Navona', kind: 'walk', hours: 2 },
    { name: 'Trastevere dinner', kind: 'food', hours: 2 },
    { name: 'Borghese Gallery', kind: 'museum', hours: 3 },
    { name: 'Trevi Fountain and Spanish Steps', kind: 'walk', hours: 2 },
  ],
  Paris: [
    { name: 'Louvre', kind: 'museum', hours: 4 },
    { name: 'Eiffel Tower', kind: 'sight', hours: 2 },
    { name: 'Le Marais walk', kind: 'walk', hours: 3 },
    { name: "Musée d'Orsay", kind: 'museum', hours: 3 },
    { name: 'Montmartre and Sacré-Cœur', kind: 'walk', hours: 3 },
    { name: 'Bistro dinner in Saint-Germain', kind: 'food', hours: 2 },
  ],
  Lisbon: [
    { name: 'Belém Tower and Jerónimos Monastery', kind: 'sight', hours: 4 },
    { name: 'Alfama walk and tram 28', kind: 'walk', hours: 3 },
    { name: 'Gulbenkian Museum', kind: 'museum', hours: 3 },
    { name: 'Time Out Market', kind: 'food', hours: 2 },
    { name: 'Sintra day trip', kind: 'sight', hours: 8 },
  ],
  Tokyo: [
    { name: 'Senso-ji and Asakusa', kind: 'sight', hours: 3 },
    { name: 'Meiji Shrine and Harajuku', kind: 'walk', hours: 3 },
    { name: 'Tokyo National Museum', kind: 'museum', hours: 3 },
    { name: 'Tsukiji outer market', kind: 'food', hours: 2 },
    { name: 'Shibuya and Shinjuku at night', kind: 'walk', hours: 3 },
  ],
};

export const KNOWN_DESTINATIONS = Object.keys(CATALOGUE);

/** The destination a request names, or null ("Plan a trip" names none). */
export function findDestination(text: string): string | null {
  const known = KNOWN_DESTINATIONS.find((d) => new RegExp(`\\b${d}\\b`, 'i').test(text));
  if (known) return known;
  // "… in Oslo", "… to New York": a capitalized place the catalogue does not know.
  const named = /\b(?:in|to|visit)\s+(\p{Lu}[\p{L}-]+(?:\s\p{Lu}[\p{L}-]+)?)/u.exec(text);
  if (named) return named[1] as string;
  // "Plan Kyoto": any capitalized word after the first one.
  const capitalized = text.split(/\s+/).slice(1).find((word) => /^\p{Lu}[\p{L}-]+$/u.test(word));
  return capitalized ?? null;
}

export function tripDays(text: string): number {
  const days = /(\d{1,2})\s*(?:days?|nights?)/i.exec(text);
  const n = days ? Number(days[1]) : 3;
  return Math.min(Math.max(n, 1), 14);
}

/** The `search_attractions` tool: the catalogue's entries, or generic ones for an unknown place. */
export function searchAttractions(destination: string): Attraction[] {
  return (
    CATALOGUE[destination] ?? [
      { name: `${destination} old town walk`, kind: 'walk', hours: 3 },
      { name: `${destination} city museum`, kind: 'museum', hours: 3 },
      { name: `${destination} main square`, kind: 'sight', hours: 2 },
      { name: `Local dinner in ${destination}`, kind: 'food', hours: 2 },
    ]
  );
}

/** Spreads attractions over days, about seven hours a day. */
export function itinerary(attractions: Attraction[], days: number): { day: number; items: string[] }[] {
  const plan = Array.from({ length: days }, (_, i) => ({ day: i + 1, items: [] as string[], hours: 0 }));
  let day = 0;
  for (const a of attractions) {
    if (plan[day]!.hours + a.hours > 7 && day < days - 1) day++;
    plan[day]!.items.push(a.name);
    plan[day]!.hours += a.hours;
  }
  return plan.map(({ day: d, items }) => ({ day: d, items }));
}
