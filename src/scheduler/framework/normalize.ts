/** kube-scheduler's DefaultNormalizeScore: scale so the highest raw score becomes 100 (or 0, reversed). */
import { MAX_NODE_SCORE } from './types.js';

export function defaultNormalizeScore(scores: number[], reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    // Nothing to tell nodes apart; reversed, every node is equally "best".
    if (reverse) scores.fill(MAX_NODE_SCORE);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const s = Math.trunc((MAX_NODE_SCORE * scores[i]) / max);
    scores[i] = reverse ? MAX_NODE_SCORE - s : s;
  }
}
