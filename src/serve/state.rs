//! What the builder tells the server: the served build's id, the error of
//! the last rebuild if it failed, and the views a request may ask to
//! build. Open pages wait on it for changes (Server-Sent Events).

use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// The state shared between the builder, the server's threads and the
/// command that stops them.
pub struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

/// A copy of the state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    /// The served build's id (`<session>-<n>`), empty before the first
    /// build succeeds. Pages carry the id they were served with and reload
    /// when it changes.
    pub build: String,
    /// Successful builds so far.
    pub builds: u64,
    /// The message of the last rebuild, when it failed (as `tally build`
    /// prints it).
    pub error: Option<String>,
    /// The served build's views, as `views/<filter>/<slug>/`, by index.
    pub views: Vec<String>,
    /// Counts every change, so a waiting page knows it missed none.
    pub version: u64,
    /// The server is stopping.
    pub stopping: bool,
    /// Unique to this run of the server: the first part of `build`.
    pub session: String,
}

impl Shared {
    /// The state of a server started at `session` (any text unique to this
    /// run, so a page served by an earlier run reloads).
    pub fn new(session: &str) -> Shared {
        Shared {
            state: Mutex::new(State { session: session.to_string(), ..State::default() }),
            changed: Condvar::new(),
        }
    }

    /// A copy of the state now.
    pub fn get(&self) -> State {
        self.lock().clone()
    }

    /// A build succeeded and is served, with these views.
    pub fn built(&self, views: Vec<String>) {
        self.update(|s| {
            s.builds += 1;
            s.build = format!("{}-{}", s.session, s.builds);
            s.error = None;
            s.views = views;
        });
    }

    /// A rebuild failed with `message`; the last good build stays served.
    pub fn failed(&self, message: String) {
        self.update(|s| s.error = Some(message));
    }

    /// Tells every waiting thread to stop.
    pub fn stop(&self) {
        self.update(|s| s.stopping = true);
    }

    /// Whether the server is stopping.
    pub fn is_stopping(&self) -> bool {
        self.lock().stopping
    }

    /// Waits until the state's version is past `seen`, or `timeout`;
    /// returns the state then.
    pub fn wait(&self, seen: u64, timeout: Duration) -> State {
        let guard = self.lock();
        let (guard, _) = self
            .changed
            .wait_timeout_while(guard, timeout, |s| s.version <= seen && !s.stopping)
            .unwrap_or_else(|e| e.into_inner());
        guard.clone()
    }

    fn update(&self, change: impl FnOnce(&mut State)) {
        let mut state = self.lock();
        change(&mut state);
        state.version += 1;
        self.changed.notify_all();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_errors() {
        let shared = Shared::new("s");
        assert_eq!(shared.get().build, "");
        shared.built(vec!["views/organization/a/".into()]);
        let first = shared.get();
        assert_eq!((first.build.as_str(), first.error.as_deref()), ("s-1", None));
        shared.failed("Error: boom".into());
        let failed = shared.wait(first.version, Duration::from_secs(5));
        // A failed rebuild keeps the served build and its views.
        assert_eq!(failed.build, "s-1");
        assert_eq!(failed.views, ["views/organization/a/"]);
        assert_eq!(failed.error.as_deref(), Some("Error: boom"));
        shared.built(Vec::new());
        let fixed = shared.get();
        assert_eq!((fixed.build.as_str(), fixed.error.as_deref()), ("s-2", None));
    }

    #[test]
    fn a_waiting_thread_wakes_on_a_change() {
        let shared = std::sync::Arc::new(Shared::new("s"));
        let seen = shared.get().version;
        let waiter = {
            let shared = shared.clone();
            std::thread::spawn(move || shared.wait(seen, Duration::from_secs(30)))
        };
        std::thread::sleep(Duration::from_millis(50));
        shared.failed("Error: x".into());
        let state = waiter.join().unwrap();
        assert_eq!(state.error.as_deref(), Some("Error: x"));
    }
}
