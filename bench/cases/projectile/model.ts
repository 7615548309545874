// Range of a projectile launched at speed v and angle theta from height h (as fixtures/core/projectile-range).
const g = 9.81;

export function range(v: number, theta: number, h: number): number {
  const vx = v * Math.cos(theta);
  const vy = v * Math.sin(theta);
  const flight = (vy + Math.sqrt(vy * vy + 2 * g * h)) / g;
  return vx * flight;
}
