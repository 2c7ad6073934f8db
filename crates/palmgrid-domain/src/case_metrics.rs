//! The GB/T 30428.4 metrics of a period, computed from what happened to cases (never typed).
//!
//! Each case counts as *due* (应结案) exactly once: in the period where it was closed if that
//! was on time, else in the period its closure deadline fell in. So 结案率 = 结案数 / 应结案数
//! and 按期结案率 = 按期结案数 / 应结案数 are never above 1 and a case is never counted twice
//! across periods. Handling (处置) by departments is counted the same way against the
//! handling deadline.

use serde::Serialize;

/// What the metrics need of one case, taken from its event log by the app.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseTimes {
    /// 立案 (absent: never registered, e.g. cancelled at verification).
    pub registered_ms: Option<i64>,
    /// Cancelled or merged after registering: never due.
    pub withdrawn: bool,
    pub close_deadline_ms: Option<i64>,
    pub closed_ms: Option<i64>,
    pub dispatched_ms: Option<i64>,
    pub handle_deadline_ms: Option<i64>,
    /// The feedback the check accepted.
    pub handled_ms: Option<i64>,
    /// Failed checks (返工).
    pub reworks: u32,
}

/// The metrics of one period (and one region, department, grid or officer).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Metrics {
    /// 立案数
    pub registered: u64,
    /// 应结案数
    pub due: u64,
    /// 结案数
    pub closed: u64,
    /// 按期结案数
    pub closed_on_time: u64,
    /// 结案率
    pub close_rate: Option<f64>,
    /// 按期结案率
    pub on_time_close_rate: Option<f64>,
    /// 应处置数
    pub handling_due: u64,
    /// 处置数
    pub handled: u64,
    /// 按期处置数
    pub handled_on_time: u64,
    /// 处置率
    pub handle_rate: Option<f64>,
    /// 按期处置率
    pub on_time_handle_rate: Option<f64>,
    /// 返工数: handled cases that failed a check at least once.
    pub reworked: u64,
    /// 返工率 = 返工数 / 处置数
    pub rework_rate: Option<f64>,
    /// Mean time from dispatch to accepted feedback, hours.
    pub mean_handling_hours: Option<f64>,
}

fn rate(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

/// Metrics of the cases for the period `[from_ms, to_ms)`.
pub fn compute<'a>(cases: impl IntoIterator<Item = &'a CaseTimes>, from_ms: i64, to_ms: i64) -> Metrics {
    let within = |t: i64| (from_ms..to_ms).contains(&t);
    let mut m = Metrics::default();
    let mut handling_ms: Vec<i64> = Vec::new();
    for c in cases {
        if c.registered_ms.is_some_and(within) {
            m.registered += 1;
        }
        if c.registered_ms.is_none() || c.withdrawn {
            continue;
        }
        if let Some(deadline) = c.close_deadline_ms {
            let falls = c.closed_ms.map_or(deadline, |closed| closed.min(deadline));
            if within(falls) {
                m.due += 1;
                if c.closed_ms.is_some_and(|t| t < to_ms) {
                    m.closed += 1;
                }
                if c.closed_ms.is_some_and(|t| t <= deadline) {
                    m.closed_on_time += 1;
                }
            }
        }
        if let (Some(_), Some(deadline)) = (c.dispatched_ms, c.handle_deadline_ms) {
            let falls = c.handled_ms.map_or(deadline, |h| h.min(deadline));
            if within(falls) {
                m.handling_due += 1;
                if let Some(h) = c.handled_ms.filter(|&t| t < to_ms) {
                    m.handled += 1;
                    if c.reworks > 0 {
                        m.reworked += 1;
                    }
                    if let Some(d) = c.dispatched_ms {
                        handling_ms.push(h - d);
                    }
                }
                if c.handled_ms.is_some_and(|t| t <= deadline) {
                    m.handled_on_time += 1;
                }
            }
        }
    }
    m.close_rate = rate(m.closed, m.due);
    m.on_time_close_rate = rate(m.closed_on_time, m.due);
    m.handle_rate = rate(m.handled, m.handling_due);
    m.on_time_handle_rate = rate(m.handled_on_time, m.handling_due);
    m.rework_rate = rate(m.reworked, m.handled);
    m.mean_handling_hours = (!handling_ms.is_empty())
        .then(|| handling_ms.iter().sum::<i64>() as f64 / handling_ms.len() as f64 / 3_600_000.0);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;
    /// The period: hours 100 to 200.
    const FROM: i64 = 100 * H;
    const TO: i64 = 200 * H;

    fn case(reg: i64, deadline: i64, closed: Option<i64>) -> CaseTimes {
        CaseTimes {
            registered_ms: Some(reg * H),
            close_deadline_ms: Some(deadline * H),
            closed_ms: closed.map(|c| c * H),
            ..Default::default()
        }
    }

    /// A fixed fixture, counted by hand in the comments.
    fn fixture() -> Vec<CaseTimes> {
        vec![
            case(110, 150, Some(140)), // A: due (closed 140, on time), closed, on time
            case(120, 160, Some(170)), // B: due at its deadline 160; closed late (170 < 200)
            case(130, 180, None),      // C: due at 180, not closed
            case(150, 250, Some(190)), // D: closed early at 190: due now, on time
            case(160, 260, None),      // E: registered here, due next period
            case(90, 120, Some(110)),  // F: registered before, closed on time at 110: due
            case(20, 90, Some(95)),    // G: deadline 90 before the period: not due here
            case(170, 190, Some(230)), // H: due at 190, closed after the period: not closed yet
            CaseTimes { withdrawn: true, ..case(140, 150, None) }, // I: registered, then withdrawn
        ]
    }

    #[test]
    fn on_time_close_rate_equals_the_hand_count() {
        let m = compute(&fixture(), FROM, TO);
        // 立案 in [100, 200): A B C D E H I = 7 (F and G were registered before).
        assert_eq!(m.registered, 7);
        // Due: A B C D F H = 6. Closed by 200: A B D F = 4. On time: A D F = 3.
        assert_eq!((m.due, m.closed, m.closed_on_time), (6, 4, 3));
        assert_eq!(m.close_rate, Some(4.0 / 6.0));
        assert_eq!(m.on_time_close_rate, Some(3.0 / 6.0));
        // Next period: E (at its deadline 260, not closed) and nothing counted twice.
        let next = compute(&fixture(), TO, 300 * H);
        assert_eq!((next.due, next.closed, next.closed_on_time), (1, 0, 0));
    }

    #[test]
    fn handling_rates_and_rework_count_departments_work() {
        let handled = |dispatched: i64, deadline: i64, handled: Option<i64>, reworks: u32| CaseTimes {
            registered_ms: Some(dispatched * H),
            dispatched_ms: Some(dispatched * H),
            handle_deadline_ms: Some(deadline * H),
            handled_ms: handled.map(|h| h * H),
            reworks,
            ..Default::default()
        };
        let cases = [
            handled(100, 110, Some(104), 0), // on time, 4 h
            handled(120, 130, Some(140), 1), // late, 20 h, reworked
            handled(150, 160, None, 0),      // due at 160, not handled
            handled(190, 210, None, 0),      // due next period
        ];
        let m = compute(&cases, FROM, TO);
        assert_eq!((m.handling_due, m.handled, m.handled_on_time, m.reworked), (3, 2, 1, 1));
        assert_eq!(m.handle_rate, Some(2.0 / 3.0));
        assert_eq!(m.on_time_handle_rate, Some(1.0 / 3.0));
        assert_eq!(m.rework_rate, Some(0.5));
        assert_eq!(m.mean_handling_hours, Some(12.0));
        assert_eq!(compute(&[], FROM, TO).close_rate, None, "no due cases: no rate, not 0 %");
    }
}
