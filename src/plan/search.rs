//! The fewest units (nodes, or multi-node replicas) that pass a test that
//! more units never fail: doubling from a start, then bisection.

/// The outcome of a search, with every probe made, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Search<T> {
    /// The fewest units that passed and what their probe returned; `None`
    /// when even `max` failed.
    pub found: Option<(u32, T)>,
    /// The probe at the most units tried when nothing passed.
    pub best_failure: Option<(u32, T)>,
    pub probes: Vec<u32>,
}

/// The smallest `u` in `[start, max]` with `passes(probe(u))`, assuming
/// that passing is monotone in `u`. Probes `start, 2 start, 4 start, ...`
/// (capped at `max`) until one passes, then bisects between the last
/// failure and the first pass: O(log(answer / start)) probes.
pub fn fewest_passing<T, E>(
    start: u32,
    max: u32,
    mut probe: impl FnMut(u32) -> Result<T, E>,
    passes: impl Fn(&T) -> bool,
) -> Result<Search<T>, E> {
    let mut probes = Vec::new();
    let mut failed_below = start.max(1) - 1;
    let mut u = start.max(1).min(max);
    let (mut hi, mut at_hi) = loop {
        probes.push(u);
        let r = probe(u)?;
        if passes(&r) {
            break (u, r);
        }
        failed_below = u;
        if u >= max {
            return Ok(Search {
                found: None,
                best_failure: Some((u, r)),
                probes,
            });
        }
        u = u.saturating_mul(2).min(max);
    };
    // Invariant: failed_below fails (or is below start), hi passes.
    while hi - failed_below > 1 {
        let mid = failed_below + (hi - failed_below) / 2;
        probes.push(mid);
        let r = probe(mid)?;
        if passes(&r) {
            hi = mid;
            at_hi = r;
        } else {
            failed_below = mid;
        }
    }
    Ok(Search {
        found: Some((hi, at_hi)),
        best_failure: None,
        probes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(start: u32, max: u32, need: u32) -> Search<u32> {
        fewest_passing::<u32, ()>(start, max, Ok, |&u| u >= need).unwrap()
    }

    #[test]
    fn finds_the_threshold_like_a_linear_scan() {
        for need in 1..=40 {
            for start in 1..=5 {
                let s = search(start, 32, need);
                let linear = (start..=32).find(|&u| u >= need);
                assert_eq!(s.found.map(|f| f.0), linear, "need {need} start {start}");
                assert!(s.probes.len() <= 12, "{:?}", s.probes);
            }
        }
        let s = search(1, 32, 33);
        assert_eq!(s.best_failure, Some((32, 32)));
        assert_eq!(s.probes, [1, 2, 4, 8, 16, 32]);
    }
}
