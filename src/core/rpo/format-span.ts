// A worst case or an rpo in words: "45 min", "25 h", "7 d 12 h". Hours up to three days (72 h) (the scale
// backup schedules are usually discussed in), days beyond.
const MINUTE_MS = 60_000;

export function formatSpan(ms: number): string {
  const minutes = Math.round(ms / MINUTE_MS);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const restMinutes = minutes % 60;
  if (hours <= 72) return restMinutes === 0 ? `${hours} h` : `${hours} h ${restMinutes} min`;
  const days = Math.floor(hours / 24);
  const restHours = hours % 24;
  return restHours === 0 ? `${days} d` : `${days} d ${restHours} h`;
}
