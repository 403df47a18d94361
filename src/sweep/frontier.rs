//! Pareto frontiers over two metrics, each minimised or maximised.

/// Whether smaller or larger is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Min,
    Max,
}

impl Direction {
    fn better_or_equal(self, a: f64, b: f64) -> bool {
        match self {
            Direction::Min => a <= b,
            Direction::Max => a >= b,
        }
    }
}

/// For each point `(x, y)`, whether it is on the Pareto frontier: no other
/// point is at least as good on both metrics and strictly better on one.
/// Points with a NaN coordinate are never on it. O(n log n).
pub fn pareto(points: &[(f64, f64)], x: Direction, y: Direction) -> Vec<bool> {
    let mut order: Vec<usize> = (0..points.len())
        .filter(|&i| !points[i].0.is_nan() && !points[i].1.is_nan())
        .collect();
    // Best x first; among equal x, best y first.
    order.sort_by(|&a, &b| {
        let (pa, pb) = (points[a], points[b]);
        let by_x = pa.0.total_cmp(&pb.0);
        let by_x = if x == Direction::Max {
            by_x.reverse()
        } else {
            by_x
        };
        let by_y = pa.1.total_cmp(&pb.1);
        let by_y = if y == Direction::Max {
            by_y.reverse()
        } else {
            by_y
        };
        by_x.then(by_y)
    });
    let mut on = vec![false; points.len()];
    let mut best_y: Option<f64> = None;
    for i in order {
        let yi = points[i].1;
        let dominated = best_y.is_some_and(|b| y.better_or_equal(b, yi));
        if !dominated {
            on[i] = true;
            best_y = Some(yi);
        }
    }
    on
}

/// Sweep points' means of two metrics and which points are on their Pareto
/// frontier (a point missing a metric has NaN there and is never on it).
pub struct PointFrontier {
    /// (x, y) per point, in point order.
    pub xy: Vec<(f64, f64)>,
    pub on: Vec<bool>,
}

impl PointFrontier {
    pub fn of(
        points: &[super::PointMeans],
        x: (&str, Direction),
        y: (&str, Direction),
    ) -> PointFrontier {
        let xy: Vec<(f64, f64)> = points.iter().map(|p| (p.mean(x.0), p.mean(y.0))).collect();
        let on = pareto(&xy, x.1, y.1);
        PointFrontier { xy, on }
    }

    /// Indices of the frontier's points by increasing x.
    pub fn members(&self) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.xy.len()).filter(|&i| self.on[i]).collect();
        idx.sort_by(|&a, &b| self.xy[a].0.total_cmp(&self.xy[b].0));
        idx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_made_frontier() {
        // cost (min) vs throughput (max)
        let pts = [
            (1.0, 10.0),
            (2.0, 20.0),
            (2.0, 15.0),
            (3.0, 18.0),
            (4.0, 30.0),
            (0.5, 5.0),
            (f64::NAN, 99.0),
        ];
        let on = pareto(&pts, Direction::Min, Direction::Max);
        assert_eq!(on, vec![true, true, false, false, true, true, false]);
    }
}
