//! What a bulk run reports: one outcome per target, a one-line summary for the status bar
//! ("13 ok, 2 failed: web-01: domain is not running; …") and the full list for a popup.
//!
//! Wiring: the App shows [`Report::summary`] in the status line when the bulk event
//! arrives, and [`Report::details`] in a popup when the user asks for the full list.

/// Failures named in the summary line; the rest are counted.
pub const SUMMARY_ERRORS: usize = 3;
/// Longest error message (in chars) quoted in the summary line.
pub const SUMMARY_ERROR_CHARS: usize = 80;

/// One target's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome<K> {
    pub id: K,
    pub name: String,
    pub result: Result<(), String>,
}

/// Every target's outcome, in the order the targets were given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report<K> {
    pub outcomes: Vec<Outcome<K>>,
}

/// One line of printable text: names and libvirt messages may carry escape codes or
/// newlines, which must not reach the terminal.
pub fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '\n' || c == '\t' || c == '\r' {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else if !c.is_control() {
            out.push(c);
        }
    }
    out.trim().to_string()
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

impl<K> Report<K> {
    pub fn ok_count(&self) -> usize {
        self.outcomes.iter().filter(|o| o.result.is_ok()).count()
    }

    pub fn failed_count(&self) -> usize {
        self.outcomes.len() - self.ok_count()
    }

    pub fn failures(&self) -> impl Iterator<Item = &Outcome<K>> {
        self.outcomes.iter().filter(|o| o.result.is_err())
    }

    /// "15 ok" or "13 ok, 2 failed: web-01: domain is not running; web-02: …", naming the
    /// first few failures (each message shortened) and counting the rest.
    pub fn summary(&self) -> String {
        let ok = self.ok_count();
        let failed = self.failed_count();
        if failed == 0 {
            return format!("{ok} ok");
        }
        let mut parts: Vec<String> = self
            .failures()
            .take(SUMMARY_ERRORS)
            .map(|o| {
                let msg = o.result.as_ref().err().map_or("", String::as_str);
                format!(
                    "{}: {}",
                    shorten(&sanitize(&o.name), 40),
                    shorten(&sanitize(msg), SUMMARY_ERROR_CHARS)
                )
            })
            .collect();
        if failed > SUMMARY_ERRORS {
            parts.push(format!("and {} more", failed - SUMMARY_ERRORS));
        }
        format!("{ok} ok, {failed} failed: {}", parts.join("; "))
    }

    /// One line per target for the popup, failures first: "✗ web-01: message", "✓ web-03".
    pub fn details(&self) -> Vec<String> {
        let failed = self.failures().map(|o| {
            let msg = o.result.as_ref().err().map_or("", String::as_str);
            format!("✗ {}: {}", sanitize(&o.name), sanitize(msg))
        });
        let ok = self
            .outcomes
            .iter()
            .filter(|o| o.result.is_ok())
            .map(|o| format!("✓ {}", sanitize(&o.name)));
        failed.chain(ok).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(results: &[(&str, Result<(), &str>)]) -> Report<usize> {
        Report {
            outcomes: results
                .iter()
                .enumerate()
                .map(|(i, (n, r))| Outcome {
                    id: i,
                    name: n.to_string(),
                    result: r.map_err(str::to_string),
                })
                .collect(),
        }
    }

    #[test]
    fn all_ok_is_just_a_count() {
        let r = report(&[("a", Ok(())), ("b", Ok(()))]);
        assert_eq!(r.summary(), "2 ok");
    }

    #[test]
    fn failures_are_named_in_target_order() {
        let r = report(&[
            ("web-01", Err("domain is not running")),
            ("web-02", Ok(())),
            ("web-03", Err("no space left")),
        ]);
        assert_eq!(
            r.summary(),
            "1 ok, 2 failed: web-01: domain is not running; web-03: no space left"
        );
        assert_eq!(
            r.details(),
            [
                "✗ web-01: domain is not running",
                "✗ web-03: no space left",
                "✓ web-02"
            ]
        );
    }

    #[test]
    fn many_failures_are_counted_and_long_messages_cut() {
        let long = "x".repeat(500);
        let mut rows: Vec<(&str, Result<(), &str>)> = vec![("ok", Ok(()))];
        rows.extend(["a", "b", "c", "d", "e"].map(|n| (n, Err(long.as_str()))));
        let s = report(&rows).summary();
        assert!(s.starts_with("1 ok, 5 failed: a: xxx"), "{s}");
        assert!(s.ends_with("…; and 2 more"), "{s}");
        assert!(
            s.chars().count() < 3 * (SUMMARY_ERROR_CHARS + 10) + 40,
            "{s}"
        );
    }

    #[test]
    fn escape_codes_and_newlines_never_reach_the_line() {
        let r = report(&[("evil\u{1b}[2Jvm", Err("line one\nline\u{7} two"))]);
        assert_eq!(r.summary(), "0 ok, 1 failed: evil[2Jvm: line one line two");
    }
}
