// churn.js - a GC-heavy node script: V8 remaps code and heap pages MAP_FIXED over
// its own reservations. Prints a checksum that depends only on the work done.
let sum = 0;
let keep = [];
for (let round = 0; round < 30; round++) {
  for (let i = 0; i < 20000; i++) {
    const o = { i, s: 'x'.repeat(i % 64), a: new Array(i % 32).fill(round) };
    sum += o.s.length + o.a.length;
    if (i % 100 === 0) keep.push(o);
  }
  if (keep.length > 2000) keep = keep.slice(1000);
  // New code keeps the JIT mapping executable pages.
  sum += new Function('x', `return x + ${round};`)(round);
}
console.log('churn', sum, keep.length);
