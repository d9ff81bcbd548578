//! One open libvirt connection with its event and close subscriptions.

use std::sync::mpsc::Sender;

use virt::connect::Connect;
use virt::sys;

use super::ffi::auth::{Asker, OpenAuthError, open_auth};
use super::ffi::domain_events::{self, DomainEventsSubscription, NetworkEventsSubscription};
use super::ffi::{self, CloseSubscription, LifecycleSubscription};
use super::worker::WorkerMsg;

/// Why the worker refuses a request before any libvirt call: the one wording of both
/// guards, whichever command hits them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("not connected (reconnecting)")]
    NotConnected,
    #[error("the connection is read-only")]
    ReadOnly,
}

impl From<Refusal> for String {
    fn from(r: Refusal) -> String {
        r.to_string()
    }
}

/// The connection a request may use. `changes`: the request changes the host, refused on
/// a read-only connection; everything is refused while reconnecting (`conn` is `None`).
pub fn usable(conn: Option<&Connect>, readonly: bool, changes: bool) -> Result<&Connect, Refusal> {
    if changes && readonly {
        return Err(Refusal::ReadOnly);
    }
    conn.ok_or(Refusal::NotConnected)
}

/// Why opening a connection failed, worded for the person who typed the URI.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("cannot connect to {uri}: {message}\nhint: {hint}")]
pub struct ConnectError {
    pub uri: String,
    pub message: String,
    pub hint: String,
    /// SSH or libvirt refused the credentials: retrying unattended will not help.
    pub auth: bool,
}

const HINT_DENIED: &str = "your user may not be allowed to manage this host: join the \
     'libvirt' group, use sudo, or try a session URI such as qemu:///session";
const HINT_NO_DAEMON: &str = "is libvirtd (or virtqemud) running on that host? Start it, \
     check the URI, or run `virtdeck --demo` to try virtdeck on a built-in test host";
const HINT_NO_DRIVER: &str = "this libvirt has no driver for that URI: check the scheme \
     (qemu:///system, qemu+ssh://user@host/system, test:///default)";
const HINT_SSH_KEY: &str = "SSH refused the login (this is ssh, not libvirt): check that \
     `ssh user@host` works without a prompt: load the key into ssh-agent (ssh-add) or name it \
     with ?keyfile=PATH; add ?no_tty=1 so ssh fails fast instead of waiting on a password \
     prompt, or reconnect interactively (Enter in the hosts view) to type one";
const HINT_SSH_HOSTKEY: &str = "SSH could not verify the host key: connect once with `ssh` \
     to accept it, or point ?known_hosts=PATH at a file holding it";
const HINT_OTHER: &str = "check the URI and that libvirt is reachable (`virsh -c URI list` \
     should work), or run `virtdeck --demo`";

impl ConnectError {
    /// A failure that is not libvirt's own (no error code): the hint comes from the words.
    pub fn new(uri: Option<&str>, message: String) -> Self {
        let hint = ssh_login_hint(uri, &message).unwrap_or_else(|| hint_from_words(&message));
        ConnectError::with_hint(uri, message, hint)
    }

    /// libvirt's error: its code decides the hint where libvirt has a specific one; a
    /// socket failure is a generic "system error" whose errno only the message carries.
    pub fn from_libvirt(uri: Option<&str>, e: &virt::error::Error) -> Self {
        let message = e.message().to_string();
        if let Some(hint) = ssh_login_hint(uri, &message) {
            return ConnectError::with_hint(uri, message, hint);
        }
        let hint = match e.code().to_raw() {
            sys::VIR_ERR_AUTH_FAILED
            | sys::VIR_ERR_AUTH_CANCELLED
            | sys::VIR_ERR_AUTH_UNAVAILABLE => HINT_DENIED,
            sys::VIR_ERR_NO_CONNECT => HINT_NO_DRIVER,
            _ => hint_from_words(&message),
        };
        ConnectError::with_hint(uri, message, hint)
    }

    fn with_hint(uri: Option<&str>, message: String, hint: &str) -> Self {
        let shown = uri.map_or_else(|| "libvirt's default URI".to_string(), str::to_string);
        ConnectError {
            uri: shown,
            auth: hint == HINT_DENIED || hint == HINT_SSH_KEY || hint == HINT_SSH_HOSTKEY,
            message,
            hint: hint.to_string(),
        }
    }
}

/// SSH's own refusals, told apart from libvirt's authorisation, only on ssh transports:
/// ssh's stderr is what libvirt puts in the message of a `qemu+ssh://` (and libssh's in
/// `qemu+libssh://`), while the same words on a local socket are libvirt's.
fn ssh_login_hint(uri: Option<&str>, message: &str) -> Option<&'static str> {
    let scheme = uri?.split("://").next()?;
    if !(scheme.contains("+ssh") || scheme.contains("+libssh")) {
        return None;
    }
    let lower = message.to_lowercase();
    if lower.contains("host key verification failed")
        || lower.contains("host key is not known")
        || lower.contains("host key for server")
        || lower.contains("remote host identification has changed")
    {
        Some(HINT_SSH_HOSTKEY)
    } else if lower.contains("permission denied (")
        || lower.contains("authentication failed")
        || lower.contains("no more authentication methods")
    {
        Some(HINT_SSH_KEY)
    } else {
        None
    }
}

fn hint_from_words(message: &str) -> &'static str {
    let lower = message.to_lowercase();
    if lower.contains("permission denied") || lower.contains("authentication") {
        HINT_DENIED
    } else if lower.contains("no such file") || lower.contains("failed to connect socket") {
        HINT_NO_DAEMON
    } else if lower.contains("no connection driver") || lower.contains("unsupported") {
        HINT_NO_DRIVER
    } else {
        HINT_OTHER
    }
}

/// Field order matters: subscriptions drop (deregister) before the connection closes.
pub struct Session {
    _lifecycle: LifecycleSubscription,
    _domain_events: Option<DomainEventsSubscription>,
    _network_events: Option<NetworkEventsSubscription>,
    _close: Option<CloseSubscription>,
    pub conn: Connect,
    pub uri: String,
    pub generation: u64,
}

impl Session {
    /// Opens `uri`, subscribes to lifecycle and close events (delivered to `tx`) and turns
    /// keepalive on so a silently dead remote host is noticed. With `ask`, libvirt's
    /// credential questions go to it (`virConnectOpenAuth`) instead of failing.
    pub fn open(
        uri: Option<&str>,
        readonly: bool,
        generation: u64,
        keepalive: (i32, u32),
        tx: &Sender<WorkerMsg>,
        ask: Option<&mut Asker<'_>>,
    ) -> Result<Session, ConnectError> {
        super::eventloop::ensure_started().map_err(|e| ConnectError::new(uri, e))?;
        let conn = match ask {
            Some(ask) => open_auth(uri, readonly, ask).map_err(|e| match e {
                OpenAuthError::Libvirt(e) => ConnectError::from_libvirt(uri, &e),
                OpenAuthError::BadUri => ConnectError::new(uri, e.to_string()),
            })?,
            None => if readonly {
                Connect::open_read_only(uri)
            } else {
                Connect::open(uri)
            }
            .map_err(|e| ConnectError::from_libvirt(uri, &e))?,
        };
        let actual_uri = conn
            .uri()
            .unwrap_or_else(|_| uri.unwrap_or("default").to_string());
        let fail = |e: virt::error::Error| ConnectError::from_libvirt(uri, &e);

        let events = tx.clone();
        let lifecycle = ffi::subscribe_lifecycle(&conn, move |ev| {
            let _ = events.send(WorkerMsg::DomainEvent(ev));
        })
        .map_err(fail)?;
        // Drivers without these events (or networks) still connect; the views poll instead.
        let extra = tx.clone();
        let domain_events = domain_events::subscribe_domain_events(&conn, move |ev| {
            let _ = extra.send(WorkerMsg::DomainExtra(ev));
        })
        .map_err(|e| tracing::warn!("no device/balloon/reboot events: {}", e.message()))
        .ok();
        let nets = tx.clone();
        let network_events = domain_events::subscribe_network_events(&conn, move |ev| {
            let _ = nets.send(WorkerMsg::NetworkEvent(ev));
        })
        .map_err(|e| tracing::warn!("no network events: {}", e.message()))
        .ok();
        // Local drivers (test://) have no close callback; remote ones do.
        let closes = tx.clone();
        let close = ffi::subscribe_close(&conn, move |reason| {
            let _ = closes.send(WorkerMsg::Closed { generation, reason });
        })
        .ok();
        // Keepalive is only meaningful over RPC; local drivers refuse it, which is fine.
        let _ = conn.set_keep_alive(keepalive.0, keepalive.1);
        Ok(Session {
            _lifecycle: lifecycle,
            _domain_events: domain_events,
            _network_events: network_events,
            _close: close,
            conn,
            uri: actual_uri,
            generation,
        })
    }

    pub fn is_alive(&self) -> bool {
        self.conn.is_alive().unwrap_or(false)
    }
}

#[cfg(test)]
mod hint_tests {
    use super::*;

    #[test]
    fn an_ssh_login_refusal_hints_at_keys_not_the_libvirt_group() {
        let msg = "Cannot recv data: root@h: Permission denied (publickey,password).: \
                   Connection reset by peer";
        let e = ConnectError::new(Some("qemu+ssh://root@h/system"), msg.into());
        assert!(
            e.hint.contains("ssh-agent") && e.hint.contains("no_tty=1"),
            "{}",
            e.hint
        );
        assert!(!e.hint.contains("'libvirt' group"), "{}", e.hint);
        // The same words on a local socket are libvirt's authorisation.
        let e = ConnectError::new(Some("qemu:///system"), "Permission denied".into());
        assert!(e.hint.contains("'libvirt' group"), "{}", e.hint);
    }
}
