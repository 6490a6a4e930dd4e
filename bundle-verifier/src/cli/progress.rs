//! The progress bar of apply: one phase at a time (read and verify, stage,
//! back up, switch, actions), each with its own translated label, drawn on
//! stderr only when it is a terminal. A phase starts when the library says
//! so, after every prompt, so its estimate never counts time at a prompt;
//! it ends at 100 % of what it counts (the payload's bytes, not the file's).

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bundle_verifier::i18n::{fl, Lang};
use bundle_verifier::instrument::install::Step;

/// One phase's count and clock; the estimate comes from the rate since the
/// phase began.
#[derive(Clone, Debug)]
pub struct Phase {
    pub started: Instant,
    pub total: u64,
    pub done: u64,
}

impl Phase {
    pub fn new(total: u64, now: Instant) -> Phase {
        Phase {
            started: now,
            total,
            done: 0,
        }
    }

    /// Counts `n` more, never past the total.
    pub fn add(&mut self, n: u64) {
        self.done = self.done.saturating_add(n).min(self.total);
    }

    /// Time left at the rate so far; `None` before there is a rate (no
    /// time passed or nothing done) and for a phase that counts nothing.
    pub fn remaining(&self, now: Instant) -> Option<Duration> {
        let elapsed = now.checked_duration_since(self.started)?;
        if self.total == 0 || self.done == 0 || elapsed.is_zero() {
            return None;
        }
        let left = (self.total - self.done) as f64;
        Some(elapsed.mul_f64(left / self.done as f64))
    }

    /// Whole per cent done (a phase that counts nothing is done when it ends).
    pub fn percent(&self) -> u64 {
        (self.done * 100).checked_div(self.total).unwrap_or(0)
    }
}

/// The label of a phase, in `lang`.
pub fn label(lang: Lang, step: Step) -> String {
    match step {
        Step::Verify => fl!(lang, "progress-verify"),
        Step::Stage => fl!(lang, "progress-stage"),
        Step::BackUp => fl!(lang, "progress-backup"),
        Step::Switch => fl!(lang, "progress-switch"),
        Step::Actions => fl!(lang, "progress-actions"),
    }
}

/// The bar on stderr (hidden when stderr is no terminal) and the phase it shows.
pub struct Progress {
    bar: indicatif::ProgressBar,
    phase: Mutex<Option<Phase>>,
    lang: Lang,
    terminal: bool,
}

impl Progress {
    /// Nothing is drawn until the first phase begins.
    pub fn new(lang: Lang) -> Progress {
        Progress {
            bar: indicatif::ProgressBar::hidden(),
            phase: Mutex::new(None),
            lang,
            terminal: std::io::stderr().is_terminal(),
        }
    }

    /// Ends the phase shown (at 100 %) and begins `step`.
    pub fn begin(&self, step: Step, total: u64) {
        self.end_phase();
        let mut p = self.phase.lock().unwrap_or_else(|e| e.into_inner());
        *p = Some(Phase::new(total, Instant::now()));
        let template = if total == 0 {
            "{spinner} {msg}"
        } else {
            "{msg} [{bar:40}] {bytes}/{total_bytes} {prefix}"
        };
        // Set up out of sight, then shown: no half-made bar is drawn.
        self.bar
            .set_draw_target(indicatif::ProgressDrawTarget::hidden());
        self.bar.set_message(label(self.lang, step));
        self.bar.set_prefix("");
        self.bar.set_style(
            indicatif::ProgressStyle::with_template(template)
                .expect("static template")
                .progress_chars("=> "),
        );
        self.bar.set_length(total);
        self.bar.reset();
        if self.terminal {
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
        if total == 0 {
            self.bar.enable_steady_tick(Duration::from_millis(120));
        }
    }

    pub fn add(&self, n: u64) {
        let mut p = self.phase.lock().unwrap_or_else(|e| e.into_inner());
        self.bar.inc(n);
        if let Some(p) = p.as_mut() {
            p.add(n);
            if let Some(left) = p.remaining(Instant::now()) {
                let left = indicatif::HumanDuration(left);
                self.bar.set_prefix(format!("({}%, {left})", p.percent()));
            }
        }
    }

    /// Shows the phase at 100 %: every byte it counts was counted.
    fn end_phase(&self) {
        let mut p = self.phase.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = p.as_mut() {
            p.done = p.total;
            self.bar.set_position(p.total);
            self.bar.disable_steady_tick();
        }
    }

    /// Adds "volume N of M" to the phase's label while a split bundle is
    /// read (FORMAT.md 1.3); the phase keeps counting payload bytes.
    pub fn show_volumes(&self) -> bundle_verifier::format::volumes::ObserverGuard {
        let (bar, lang) = (self.bar.clone(), self.lang);
        bundle_verifier::format::volumes::observe(move |at| {
            let label = bar.message();
            let label = label.split(" (").next().unwrap_or_default().to_owned();
            let (n, count) = (at.index as u64, at.count as u64);
            let volume = fl!(lang, "progress-volume", n = n, count = count);
            bar.set_message(format!("{label} {volume}"));
        })
    }

    /// Runs `f` (a prompt) with the bar out of the way.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    /// Ends the last phase and clears the bar.
    pub fn finish(&self) {
        self.end_phase();
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_counts_from_the_start_of_the_phase_not_from_a_prompt() {
        let t0 = Instant::now();
        // A minute at the confirmation prompt, then the staging phase begins.
        let begun = t0 + Duration::from_secs(60);
        let mut p = Phase::new(1000, begun);
        p.add(100);
        let left = p.remaining(begun + Duration::from_secs(1)).unwrap();
        assert_eq!(left, Duration::from_secs(9));
        assert_eq!(p.percent(), 10);
    }

    #[test]
    fn there_is_no_estimate_before_a_rate_nor_for_a_phase_that_counts_nothing() {
        let t0 = Instant::now();
        let p = Phase::new(1000, t0);
        assert_eq!(p.remaining(t0 + Duration::from_secs(5)), None);
        let mut q = Phase::new(0, t0);
        q.add(10);
        assert_eq!(q.remaining(t0 + Duration::from_secs(5)), None);
        assert_eq!(q.percent(), 0);
    }

    #[test]
    fn a_phase_ends_at_its_total_and_never_past_it() {
        let t0 = Instant::now();
        let mut p = Phase::new(940, t0);
        p.add(930);
        assert_eq!(p.percent(), 98);
        p.add(500);
        assert_eq!((p.done, p.percent()), (940, 100));
        assert_eq!(
            p.remaining(t0 + Duration::from_secs(3)),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn every_phase_has_a_label_in_every_language() {
        let steps = [
            Step::Verify,
            Step::Stage,
            Step::BackUp,
            Step::Switch,
            Step::Actions,
        ];
        for tag in ["en", "de", "fr"] {
            let lang = Lang::parse(tag).unwrap();
            let labels: Vec<String> = steps.iter().map(|s| label(lang, *s)).collect();
            let mut unique = labels.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), steps.len(), "{tag}: {labels:?}");
        }
    }
}
