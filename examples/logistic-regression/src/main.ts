/** `npm run dev`: the same fit in the browser, with the data and the decision boundary drawn. */
import { train } from "./train";

const log = document.querySelector("pre")!;
const fit = train((line) => (log.textContent += line + "\n"));

const canvas = document.querySelector("canvas")!;
const ctx = canvas.getContext("2d")!;
const scale = 50;
const toScreen = (x1: number, x2: number): [number, number] => [
  canvas.width / 2 + x1 * scale,
  canvas.height / 2 - x2 * scale,
];
for (const p of fit.data) {
  ctx.fillStyle = p.label === 1 ? "#d62728" : "#1f77b4";
  ctx.beginPath();
  ctx.arc(...toScreen(p.x1, p.x2), 3, 0, 2 * Math.PI);
  ctx.fill();
}
// The boundary w1 x1 + w2 x2 + b = 0, across the plot.
const x2At = (x1: number) => -(fit.w1 * x1 + fit.b) / fit.w2;
ctx.strokeStyle = "#333";
ctx.beginPath();
ctx.moveTo(...toScreen(-5, x2At(-5)));
ctx.lineTo(...toScreen(5, x2At(5)));
ctx.stroke();
