//! Several figures compared with theory at once. Each figure is the mean of independent
//! replications; with `k` figures in one check, each must hold its theory within a Student-t
//! interval at level `1 - alpha / k` (Bonferroni), so the whole check wrongly fails with
//! probability at most `alpha` (1% here) when the kernel is right.

use sim_kernel::stats::{summarise, t975};

/// The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// The `p` quantile of Student's t with `df` degrees of freedom (Cornish-Fisher expansion to
/// the fourth order: within 0.005 of the exact value for `df` of 20 or more and `p` up to
/// 0.9995).
pub fn t_quantile(p: f64, df: usize) -> f64 {
    let z = normal_quantile(p);
    let v = df as f64;
    let g1 = (z.powi(3) + z) / 4.0;
    let g2 = (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / 96.0;
    let g3 = (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z) / 384.0;
    let g4 = (79.0 * z.powi(9) + 776.0 * z.powi(7) + 1482.0 * z.powi(5)
        - 1920.0 * z.powi(3)
        - 945.0 * z)
        / 92_160.0;
    z + g1 / v + g2 / v.powi(2) + g3 / v.powi(3) + g4 / v.powi(4)
}

struct Figure {
    what: String,
    values: Vec<f64>,
    theory: f64,
}

/// Figures checked together against theory, at family-wise level `1 - alpha`.
pub struct Figures {
    title: String,
    alpha: f64,
    rows: Vec<Figure>,
}

impl Figures {
    /// A check that wrongly fails with probability at most 1%.
    pub fn new(title: &str) -> Self {
        Figures {
            title: title.to_string(),
            alpha: 0.01,
            rows: Vec::new(),
        }
    }

    /// One figure: its value in each replication, and what theory says its mean is.
    pub fn add(&mut self, what: &str, values: Vec<f64>, theory: f64) -> &mut Self {
        self.rows.push(Figure {
            what: what.to_string(),
            values,
            theory,
        });
        self
    }

    /// Each figure as `what: simulated mean ± half-width, theory`, and whether theory is inside.
    pub fn report(&self) -> Vec<(String, bool)> {
        let k = self.rows.len() as f64;
        self.rows
            .iter()
            .map(|f| {
                let s = summarise(&f.values);
                let t = t_quantile(1.0 - self.alpha / (2.0 * k), s.n - 1);
                let half = t * s.sd / (s.n as f64).sqrt();
                let ok = (s.mean - f.theory).abs() <= half;
                let line = format!(
                    "{}: simulated {:.4} ± {:.4} ({:.2}% level, {} replications), theory {:.4}",
                    f.what,
                    s.mean,
                    half,
                    100.0 * (1.0 - self.alpha / k),
                    s.n,
                    f.theory
                );
                (line, ok)
            })
            .collect()
    }

    /// The figures whose theory lies outside their interval (printed, with the others).
    pub fn failures(&self) -> Vec<String> {
        let mut failed = Vec::new();
        for (line, ok) in self.report() {
            eprintln!("{}: {}{line}", self.title, if ok { "" } else { "FAILS " });
            if !ok {
                failed.push(line);
            }
        }
        failed
    }

    #[track_caller]
    pub fn assert_all(&self) {
        let failed = self.failures();
        assert!(failed.is_empty(), "{}: {failed:#?}", self.title);
    }
}

#[test]
fn quantiles_match_the_tables() {
    for (p, z) in [(0.975, 1.959_964), (0.995, 2.575_829), (0.9995, 3.290_527)] {
        assert!((normal_quantile(p) - z).abs() < 1e-6, "{p}");
        assert!((normal_quantile(1.0 - p) + z).abs() < 1e-6, "{p}");
    }
    // Student's t, 29 degrees of freedom (30 replications).
    for (p, t) in [(0.975, 2.045_230), (0.995, 2.756_386), (0.9995, 3.659_407)] {
        assert!(
            (t_quantile(p, 29) - t).abs() < 0.005,
            "{p}: {}",
            t_quantile(p, 29)
        );
    }
    for df in 20..=40 {
        assert!((t_quantile(0.975, df) - t975(df)).abs() < 0.002, "{df}");
    }
}
