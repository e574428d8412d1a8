//! Fitting a static table to its teacher (model2vec's tokenlearn idea, solved in closed form
//! rather than by SGD): rows E such that each corpus text's weighted mean of rows predicts the
//! teacher's vector of that text, staying near the distilled rows where the corpus says little:
//!
//!   minimise  sum_i || sum_t A[i,t] E[t] - y_i ||^2  +  lambda || E - s P ||^2
//!
//! with A[i,t] = w_t * count(t in text i) / tokens(i), P the distilled rows and s their best
//! overall scale. Conjugate gradients on the normal equations (A'A + lambda I) D = A'(Y - A s P),
//! D = E - s P, every column at once (they share the operator). Only tokens the corpus holds get
//! a non-zero D, so the solve runs over those tokens alone, whatever the vocabulary's size.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::EngineError;

/// The corpus as a (texts x tokens) sparse matrix over the tokens it holds, by text and by token.
pub struct Bags {
    texts: usize,
    /// Vocabulary id of each column.
    tokens: Vec<u32>,
    by_text: Sparse,
    by_token: Sparse,
}

/// Compressed rows: entries of row r at ptr[r]..ptr[r + 1].
struct Sparse {
    ptr: Vec<usize>,
    index: Vec<u32>,
    value: Vec<f32>,
}

impl Bags {
    /// `texts[i]` holds text i's token ids (each below `weights.len()`); the entry of token t is
    /// weights[t] times its share of the text's tokens.
    pub fn new(texts: &[Vec<u32>], weights: &[f32]) -> Bags {
        let vocab = weights.len();
        let mut column = vec![u32::MAX; vocab];
        let mut tokens = Vec::new();
        let (mut ptr, mut index, mut value) = (vec![0], Vec::new(), Vec::new());
        let mut counts: Vec<(u32, u32)> = Vec::new();
        for ids in texts {
            counts.clear();
            let mut sorted: Vec<u32> = ids
                .iter()
                .copied()
                .filter(|&t| (t as usize) < vocab)
                .collect();
            sorted.sort_unstable();
            for t in sorted {
                match counts.last_mut() {
                    Some((last, c)) if *last == t => *c += 1,
                    _ => counts.push((t, 1)),
                }
            }
            let n: u32 = counts.iter().map(|c| c.1).sum();
            for &(t, c) in &counts {
                if column[t as usize] == u32::MAX {
                    column[t as usize] = tokens.len() as u32;
                    tokens.push(t);
                }
                index.push(column[t as usize]);
                value.push(weights[t as usize] * c as f32 / n as f32);
            }
            ptr.push(index.len());
        }
        let by_text = Sparse { ptr, index, value };
        let by_token = by_text.transpose(tokens.len());
        Bags {
            texts: texts.len(),
            tokens,
            by_text,
            by_token,
        }
    }

    /// Distinct tokens the corpus holds.
    pub fn tokens(&self) -> usize {
        self.tokens.len()
    }
}

impl Sparse {
    fn transpose(&self, columns: usize) -> Sparse {
        let mut ptr = vec![0usize; columns + 1];
        for &c in &self.index {
            ptr[c as usize + 1] += 1;
        }
        for c in 0..columns {
            ptr[c + 1] += ptr[c];
        }
        let mut next = ptr.clone();
        let (mut index, mut value) = (vec![0u32; self.index.len()], vec![0f32; self.index.len()]);
        for r in 0..self.ptr.len() - 1 {
            for k in self.ptr[r]..self.ptr[r + 1] {
                let c = self.index[k] as usize;
                index[next[c]] = r as u32;
                value[next[c]] = self.value[k];
                next[c] += 1;
            }
        }
        Sparse { ptr, index, value }
    }

    /// out (rows x d) = self * x (columns x d), rows split over `threads`.
    fn product(&self, x: &[f32], d: usize, threads: usize) -> Vec<f32> {
        let rows = self.ptr.len() - 1;
        let mut out = vec![0f32; rows * d];
        let per = rows.div_ceil(threads.max(1)).max(1);
        std::thread::scope(|s| {
            for (part, chunk) in out.chunks_mut(per * d).enumerate() {
                s.spawn(move || {
                    for (j, o) in chunk.chunks_mut(d).enumerate() {
                        let r = part * per + j;
                        for k in self.ptr[r]..self.ptr[r + 1] {
                            let v = self.value[k];
                            let row = &x[self.index[k] as usize * d..][..d];
                            o.iter_mut().zip(row).for_each(|(o, &x)| *o += v * x);
                        }
                    }
                });
            }
        });
        out
    }
}

#[derive(Debug, Clone)]
pub struct FitOptions {
    /// lambda as a multiple of the mean diagonal of A'A over the corpus's tokens.
    pub regularization: f64,
    pub iterations: usize,
    pub threads: usize,
}

#[derive(Debug, Clone)]
pub struct FitReport {
    pub tokens: usize,
    pub scale: f64,
    pub lambda: f64,
    /// ||residual of the normal equations|| after the last iteration over the first one's.
    pub relative_residual: f64,
}

fn dot_columns(a: &[f32], b: &[f32], d: usize) -> Vec<f64> {
    let mut out = vec![0f64; d];
    for (ra, rb) in a.chunks(d).zip(b.chunks(d)) {
        for c in 0..d {
            out[c] += ra[c] as f64 * rb[c] as f64;
        }
    }
    out
}

/// Rows fitted to `targets` (texts x d, in `bags`' text order), starting from `prior`
/// (vocab x d). Rows of tokens the corpus lacks are the prior's, scaled.
pub fn fit_rows(
    bags: &Bags,
    targets: &[f32],
    prior: &[f32],
    d: usize,
    options: &FitOptions,
    cancel: Option<&AtomicBool>,
    mut progress: impl FnMut(usize, usize),
) -> Result<(Vec<f32>, FitReport), EngineError> {
    assert_eq!(targets.len(), bags.texts * d, "one target per text");
    let threads = options.threads.max(1);
    let m = bags.tokens.len();
    let mut p_seen = vec![0f32; m * d];
    for (j, &t) in bags.tokens.iter().enumerate() {
        p_seen[j * d..][..d].copy_from_slice(&prior[t as usize * d..][..d]);
    }
    let ap = bags.by_text.product(&p_seen, d, threads);
    let (num, den) = ap
        .iter()
        .zip(targets)
        .fold((0f64, 0f64), |(n, q), (&a, &y)| {
            (n + a as f64 * y as f64, q + a as f64 * a as f64)
        });
    let scale = if den > 0.0 { num / den } else { 1.0 };
    let mut diag = vec![0f64; m];
    for (k, &c) in bags.by_text.index.iter().enumerate() {
        diag[c as usize] += (bags.by_text.value[k] as f64).powi(2);
    }
    let lambda = options.regularization * diag.iter().sum::<f64>() / m.max(1) as f64;
    let residual: Vec<f32> = targets
        .iter()
        .zip(&ap)
        .map(|(&y, &a)| (y as f64 - scale * a as f64) as f32)
        .collect();
    let mut r = bags.by_token.product(&residual, d, threads);
    let mut delta = vec![0f32; m * d];
    let mut p = r.clone();
    let mut rs = dot_columns(&r, &r, d);
    let rs0: f64 = rs.iter().sum();
    let mut relative_residual = 1.0;
    for it in 0..options.iterations {
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(EngineError::Aborted);
        }
        let mut mp = bags
            .by_token
            .product(&bags.by_text.product(&p, d, threads), d, threads);
        mp.iter_mut()
            .zip(&p)
            .for_each(|(m, &p)| *m += (lambda * p as f64) as f32);
        let pmp = dot_columns(&p, &mp, d);
        let alpha: Vec<f64> = (0..d)
            .map(|c| if pmp[c] > 0.0 { rs[c] / pmp[c] } else { 0.0 })
            .collect();
        for ((dr, rr), (pr, mr)) in delta
            .chunks_mut(d)
            .zip(r.chunks_mut(d))
            .zip(p.chunks(d).zip(mp.chunks(d)))
        {
            for c in 0..d {
                dr[c] += (alpha[c] * pr[c] as f64) as f32;
                rr[c] -= (alpha[c] * mr[c] as f64) as f32;
            }
        }
        let rs_new = dot_columns(&r, &r, d);
        let beta: Vec<f64> = (0..d)
            .map(|c| if rs[c] > 0.0 { rs_new[c] / rs[c] } else { 0.0 })
            .collect();
        for (pr, rr) in p.chunks_mut(d).zip(r.chunks(d)) {
            for c in 0..d {
                pr[c] = rr[c] + (beta[c] * pr[c] as f64) as f32;
            }
        }
        rs = rs_new;
        relative_residual = (rs.iter().sum::<f64>() / rs0.max(f64::MIN_POSITIVE)).sqrt();
        progress(it + 1, options.iterations);
    }
    let mut rows: Vec<f32> = prior.iter().map(|&x| (x as f64 * scale) as f32).collect();
    for (j, &t) in bags.tokens.iter().enumerate() {
        let row = &mut rows[t as usize * d..][..d];
        row.iter_mut()
            .zip(&delta[j * d..][..d])
            .for_each(|(e, &dl)| *e += dl);
    }
    Ok((
        rows,
        FitReport {
            tokens: m,
            scale,
            lambda,
            relative_residual,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Weighted mean of rows per text, as the static embedder computes it (before normalising).
    fn predict(texts: &[Vec<u32>], weights: &[f32], rows: &[f32], d: usize) -> Vec<f32> {
        let mut out = vec![0f32; texts.len() * d];
        for (i, ids) in texts.iter().enumerate() {
            for &t in ids {
                for c in 0..d {
                    out[i * d + c] +=
                        weights[t as usize] * rows[t as usize * d + c] / ids.len() as f32;
                }
            }
        }
        out
    }

    fn lcg(seed: &mut u64) -> f32 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((*seed >> 33) as f32 / (1u64 << 31) as f32) - 0.5
    }

    #[test]
    fn recovers_rows_that_explain_the_targets() {
        // 40 texts over 12 tokens (token 11 never used), targets made from known rows: with a
        // tiny lambda the fit predicts the targets almost exactly, and the unused token keeps
        // the prior's row, scaled.
        let (vocab, d) = (12usize, 3usize);
        let mut seed = 7u64;
        let truth: Vec<f32> = (0..vocab * d).map(|_| lcg(&mut seed)).collect();
        let prior: Vec<f32> = truth.iter().map(|x| x + 0.3 * lcg(&mut seed)).collect();
        let weights: Vec<f32> = (0..vocab).map(|t| 0.5 + t as f32 / 24.0).collect();
        let texts: Vec<Vec<u32>> = (0..40)
            .map(|i| {
                (0..1 + i % 5)
                    .map(|k| ((i * 7 + k * 3) % 11) as u32)
                    .collect()
            })
            .collect();
        let targets = predict(&texts, &weights, &truth, d);
        let bags = Bags::new(&texts, &weights);
        assert_eq!(bags.tokens(), 11);
        let options = FitOptions {
            regularization: 1e-6,
            iterations: 60,
            threads: 2,
        };
        let (rows, report) =
            fit_rows(&bags, &targets, &prior, d, &options, None, |_, _| {}).unwrap();
        let fitted = predict(&texts, &weights, &rows, d);
        let err = fitted
            .iter()
            .zip(&targets)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(err < 1e-3, "largest error {err}, {report:?}");
        for c in 0..d {
            let expected = prior[11 * d + c] as f64 * report.scale;
            assert!((rows[11 * d + c] as f64 - expected).abs() < 1e-6);
        }
    }

    #[test]
    fn a_large_lambda_keeps_the_prior() {
        let weights = vec![1f32; 4];
        let texts = vec![vec![0, 1], vec![2, 3, 3]];
        let prior: Vec<f32> = (0..8).map(|x| x as f32).collect();
        let targets = vec![1.0, -1.0, 0.5, 0.5];
        let bags = Bags::new(&texts, &weights);
        let options = FitOptions {
            regularization: 1e9,
            iterations: 10,
            threads: 1,
        };
        let (rows, report) =
            fit_rows(&bags, &targets, &prior, 2, &options, None, |_, _| {}).unwrap();
        for (r, p) in rows.iter().zip(&prior) {
            assert!(
                (*r as f64 - *p as f64 * report.scale).abs() < 1e-4,
                "{rows:?}"
            );
        }
    }

    #[test]
    fn stops_when_cancelled() {
        let bags = Bags::new(&[vec![0]], &[1.0]);
        let cancel = AtomicBool::new(true);
        let options = FitOptions {
            regularization: 1.0,
            iterations: 5,
            threads: 1,
        };
        let r = fit_rows(&bags, &[1.0], &[0.5], 1, &options, Some(&cancel), |_, _| {});
        assert!(matches!(r, Err(EngineError::Aborted)));
    }
}
