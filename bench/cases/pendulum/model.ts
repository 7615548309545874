// Total energy of a simple pendulum (as fixtures/core/pendulum-energy): kinetic plus potential.
const g = 9.81;

export function energy(m: number, l: number, theta: number, omega: number): number {
  const v = l * omega;
  const kinetic = 0.5 * m * v * v;
  const height = l * (1 - Math.cos(theta));
  const potential = m * g * height;
  return kinetic + potential;
}
