//! The credentials popup without libvirt: an `AuthRequest` (what the worker sends from
//! libvirt's auth callback) opens it over the screen; typing is masked, Enter sends the
//! answers on the request's own reply channel, Esc cancels, and the host waits, auth
//! needed, for a retry while the other hosts carry on.

use std::sync::mpsc::Receiver;
use std::time::Duration;

use virtdeck::app::App;
use virtdeck::backend::{
    AuthReply, BackendEvent, Command, CommandSender, CredKind, CredRequest, HostId,
};
use virtdeck::config::Config;
use virtdeck::event::Event;

#[path = "common/fake.rs"]
mod fake;
use fake::Fake;

const A: HostId = HostId(0);
const D: HostId = HostId(1);
const URI: &str = "qemu+libssh://root@delta:2298/system?keyfile=/root/.ssh/k";

type Answers = Receiver<Option<Vec<String>>>;

impl Fake {
    /// `alpha` connected; `delta` (libssh) connecting.
    fn two_hosts() -> Fake {
        let config = Config::builtin().expect("built-in config");
        let (tx0, log0) = CommandSender::detached();
        let mut app = App::new(config, tx0.clone(), false);
        let (tx1, log1) = CommandSender::detached();
        app.add_host(A, "alpha", "qemu:///system", tx0);
        app.add_host(D, "delta", URI, tx1);
        app.handle(Event::Backend(BackendEvent::Connected {
            host: A,
            uri: "qemu:///system".into(),
            hostname: "alpha".into(),
            readonly: false,
        }));
        let mut f = Fake::from_app(app, log0, 80, 24);
        f.other_logs = vec![log1];
        f
    }

    /// delta's worker asks `requests`; the receiver is where it waits.
    fn ask(&mut self, requests: Vec<CredRequest>) -> Answers {
        let (reply, rx) = AuthReply::channel();
        self.app.handle(Event::Backend(BackendEvent::AuthRequest {
            host: D,
            uri: URI.into(),
            requests,
            reply,
        }));
        rx
    }
}

fn req(kind: CredKind, prompt: &str) -> CredRequest {
    CredRequest {
        kind,
        prompt: prompt.into(),
        challenge: None,
        default: None,
    }
}

fn passphrase() -> Vec<CredRequest> {
    vec![req(
        CredKind::Passphrase,
        "Passphrase for key '/root/.ssh/k': ",
    )]
}

#[test]
fn the_passphrase_is_masked_and_enter_sends_it_to_the_waiting_worker() {
    let mut f = Fake::two_hosts();
    let rx = f.ask(passphrase());
    assert!(f.app.has_popup());
    f.press("s3cret q");
    let screen = f.screen();
    insta::with_settings!({ prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("auth_passphrase_80x24", screen);
    });
    assert!(screen.contains("Credentials for delta"), "{screen}");
    assert!(screen.contains("Passphrase for key"), "{screen}");
    assert!(screen.contains("••••••••"), "{screen}");
    assert!(
        !screen.contains("s3cret"),
        "the secret is on screen:\n{screen}"
    );
    assert!(rx.try_recv().is_err(), "nothing sent before Enter");
    f.press("<Enter>");
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(1)).expect("an answer"),
        Some(vec!["s3cret q".to_string()])
    );
    assert!(!f.app.has_popup());
    // The answers went on the reply channel, never as a command to any worker.
    for log in f.logs() {
        assert_eq!(log.drain(), Vec::<Command>::new());
    }
    assert!(!f.screen().contains("s3cret"));
}

#[test]
fn a_user_name_is_shown_a_password_is_not_and_enter_moves_between_them() {
    let mut f = Fake::two_hosts();
    let rx = f.ask(vec![
        req(CredKind::AuthName, "Username"),
        req(CredKind::NoEchoPrompt, "root@delta's password: "),
    ]);
    f.press("admin<Enter>hunter2");
    let screen = f.screen();
    assert!(screen.contains("admin"), "{screen}");
    assert!(screen.contains("•••••••"), "{screen}");
    assert!(!screen.contains("hunter2"), "{screen}");
    assert!(rx.try_recv().is_err(), "the first Enter only moves on");
    f.press("<Enter>");
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(1)).expect("answers"),
        Some(vec!["admin".to_string(), "hunter2".to_string()])
    );
}

#[test]
fn esc_cancels_and_the_host_waits_auth_needed_for_a_retry() {
    let mut f = Fake::two_hosts();
    let rx = f.ask(passphrase());
    f.press("abc<Esc>");
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(1)).expect("a cancel"),
        None
    );
    assert!(!f.app.has_popup());
    // What the worker says after a cancel (it stops retrying on its own).
    f.app.handle(Event::Backend(BackendEvent::ConnectFailed {
        host: D,
        attempt: 1,
        error: "no credentials given (cancelled, or no answer within 120 s)".into(),
        hint: "SSH refused the login".into(),
        auth: true,
        retry_in: Duration::ZERO,
    }));
    let screen = f.screen();
    assert!(
        screen.contains(
            "delta: auth needed: open the hosts view (H) and press Enter to be asked again"
        ),
        "{screen}"
    );
    f.press("H");
    let screen = f.screen();
    let delta = screen
        .lines()
        .find(|l| l.contains("delta"))
        .expect("delta's row");
    assert!(delta.contains("auth needed"), "{screen}");
    let alpha = screen
        .lines()
        .find(|l| l.contains("alpha"))
        .expect("alpha's row");
    assert!(alpha.contains("connected"), "{screen}");
    // r retries delta, and only delta.
    f.press("<Down>r");
    assert_eq!(f.other_logs[0].drain(), vec![Command::Reconnect(D)]);
    assert_eq!(f.log.drain(), Vec::<Command>::new());
}

#[test]
fn hostile_prompt_text_is_escaped() {
    let mut f = Fake::two_hosts();
    let _rx = f.ask(vec![req(
        CredKind::NoEchoPrompt,
        "pass\x1b[2J\x1b]0;pwned\x07word: ",
    )]);
    let screen = f.screen();
    assert!(!screen.contains('\x1b'), "{screen:?}");
    assert!(!screen.contains('\x07'), "{screen:?}");
    assert!(screen.contains("word:"), "{screen}");
}

#[test]
fn a_popup_closed_unanswered_cancels_and_one_the_worker_gave_up_on_says_so() {
    let mut f = Fake::two_hosts();
    let rx = f.ask(passphrase());
    // The worker timed out (its own ConnectFailed arrives): the popup says so.
    f.app.handle(Event::Backend(BackendEvent::ConnectFailed {
        host: D,
        attempt: 1,
        error: "no credentials given (cancelled, or no answer within 120 s)".into(),
        hint: String::new(),
        auth: true,
        retry_in: Duration::ZERO,
    }));
    assert!(f.screen().contains("stopped waiting"));
    f.press("x");
    assert!(!f.app.has_popup());
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(1)).expect("cancel"),
        None
    );
    // Dropped with the App (quitting): the worker is released at once, not after 120 s.
    let rx = f.ask(passphrase());
    drop(f);
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(1)).expect("cancel"),
        None
    );
}
