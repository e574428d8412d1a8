//! Principal components of a row matrix, for reducing a token table's dimensions: centre the rows,
//! take the covariance, find its eigenvectors by cyclic Jacobi rotations (dense, d x d with d in the
//! hundreds: a few sweeps), keep the largest.

/// The projection onto the top `k` principal components.
pub struct Pca {
    pub mean: Vec<f64>,
    /// `k` unit vectors of length d, by decreasing variance.
    pub components: Vec<Vec<f64>>,
    /// Variance along each component.
    pub variances: Vec<f64>,
    /// Variance of the rows in all directions (the covariance's trace).
    pub total_variance: f64,
}

impl Pca {
    /// Fits on `rows` (each of length d), using only rows where `use_row` is true.
    // Index loops over the covariance matrix read as the formula does.
    #[allow(clippy::needless_range_loop)]
    pub fn fit(rows: &[Vec<f32>], use_row: &[bool], k: usize) -> Pca {
        let d = rows.first().map_or(0, Vec::len);
        let n = use_row.iter().filter(|&&u| u).count().max(1) as f64;
        let mut mean = vec![0f64; d];
        for (r, _) in rows.iter().zip(use_row).filter(|(_, &u)| u) {
            mean.iter_mut().zip(r).for_each(|(m, &x)| *m += x as f64);
        }
        mean.iter_mut().for_each(|m| *m /= n);
        let mut cov = vec![vec![0f64; d]; d];
        let mut centred = vec![0f64; d];
        for (r, _) in rows.iter().zip(use_row).filter(|(_, &u)| u) {
            centred
                .iter_mut()
                .zip(r.iter().zip(&mean))
                .for_each(|(c, (&x, m))| *c = x as f64 - m);
            for i in 0..d {
                let ci = centred[i];
                let row = &mut cov[i];
                for j in i..d {
                    row[j] += ci * centred[j];
                }
            }
        }
        for i in 0..d {
            for j in i..d {
                cov[i][j] /= n;
                cov[j][i] = cov[i][j];
            }
        }
        let total_variance = (0..d).map(|i| cov[i][i]).sum();
        let (values, vectors) = symmetric_eigen(cov);
        let mut order: Vec<usize> = (0..d).collect();
        order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
        let k = k.min(d);
        Pca {
            mean,
            components: order[..k]
                .iter()
                .map(|&c| (0..d).map(|i| vectors[i][c]).collect())
                .collect(),
            variances: order[..k].iter().map(|&c| values[c]).collect(),
            total_variance,
        }
    }

    pub fn project(&self, row: &[f32]) -> Vec<f32> {
        self.components
            .iter()
            .map(|c| {
                c.iter()
                    .zip(row.iter().zip(&self.mean))
                    .map(|(w, (&x, m))| w * (x as f64 - m))
                    .sum::<f64>() as f32
            })
            .collect()
    }
}

/// Eigenvalues and eigenvectors (columns of the second result) of a symmetric matrix.
// Jacobi rotations touch rows and columns p and q of every k: index loops read as the algorithm.
#[allow(clippy::needless_range_loop)]
pub fn symmetric_eigen(mut a: Vec<Vec<f64>>) -> (Vec<f64>, Vec<Vec<f64>>) {
    let n = a.len();
    let mut v: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect();
    let scale: f64 = a
        .iter()
        .flatten()
        .map(|x| x * x)
        .sum::<f64>()
        .sqrt()
        .max(f64::MIN_POSITIVE);
    for _sweep in 0..60 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum::<f64>()
            .sqrt();
        if off <= 1e-12 * scale {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p][q];
                if apq.abs() <= 1e-300 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * apq);
                let sign = if theta >= 0.0 { 1.0 } else { -1.0 };
                let t = sign / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let akp = a[k][p];
                    let akq = a[k][q];
                    a[k][p] = c * akp - s * akq;
                    a[k][q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let apk = a[p][k];
                    let aqk = a[q][k];
                    a[p][k] = c * apk - s * aqk;
                    a[q][k] = s * apk + c * aqk;
                }
                for row in v.iter_mut() {
                    let vkp = row[p];
                    let vkq = row[q];
                    row[p] = c * vkp - s * vkq;
                    row[q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i][i]).collect(), v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigen_of_a_known_matrix() {
        // [[2,1],[1,2]]: eigenvalues 1 and 3, eigenvectors (1,-1)/sqrt2 and (1,1)/sqrt2
        let (values, vectors) = symmetric_eigen(vec![vec![2.0, 1.0], vec![1.0, 2.0]]);
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        assert!((sorted[0] - 1.0).abs() < 1e-10 && (sorted[1] - 3.0).abs() < 1e-10);
        let big = if values[0] > values[1] { 0 } else { 1 };
        assert!((vectors[0][big].abs() - 0.5f64.sqrt()).abs() < 1e-10);
        assert!((vectors[0][big] - vectors[1][big]).abs() < 1e-10);
    }

    #[test]
    fn pca_finds_the_direction_of_most_variance() {
        // points along (3, 4)/5 with small noise across
        let rows: Vec<Vec<f32>> = (0..200)
            .map(|i| {
                let t = i as f32 / 10.0 - 10.0;
                let n = if i % 2 == 0 { 0.01 } else { -0.01 };
                vec![
                    3.0 * t / 5.0 - 4.0 * n / 5.0 + 1.0,
                    4.0 * t / 5.0 + 3.0 * n / 5.0 - 2.0,
                ]
            })
            .collect();
        let pca = Pca::fit(&rows, &vec![true; rows.len()], 1);
        let c = &pca.components[0];
        assert!(
            (c[0].abs() - 0.6).abs() < 1e-4 && (c[1].abs() - 0.8).abs() < 1e-4,
            "{c:?}"
        );
        assert!((pca.mean[0] - 1.0 + 0.03).abs() < 0.1);
        let p = pca.project(&rows[0]);
        assert_eq!(p.len(), 1);
        // rows[0] is t = -10; the mean of t over the rows is -0.05
        assert!((p[0].abs() - 9.95).abs() < 0.01, "{p:?}");
    }
}
