/** Korean wording helpers shared by the schema messages and the renderer. */

/** True when the last Hangul syllable of `word` ends in a final consonant (받침). */
function hasFinalConsonant(word: string): boolean | null {
  const last = word.trim().slice(-1);
  const code = last.charCodeAt(0);
  if (code >= 0xac00 && code <= 0xd7a3) return (code - 0xac00) % 28 !== 0;
  return null;
}

/** Attaches the right particle: withParticle('제목', '은', '는') → '제목은'. */
export function withParticle(word: string, afterConsonant: string, afterVowel: string): string {
  const final = hasFinalConsonant(word);
  if (final === null) return `${word}${afterConsonant}(${afterVowel})`;
  return `${word}${final ? afterConsonant : afterVowel}`;
}

/** 4500 → '4,500원' */
export function formatWon(amount: number): string {
  return `${Math.round(amount).toLocaleString('en-US')}원`;
}
