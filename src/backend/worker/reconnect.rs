//! Reconnect policy: what a closed connection is called, the URI used for unattended
//! reconnects, and the backoff between attempts.

use std::time::Duration;

/// Words for a `virConnectCloseReason`. Over ssh an end of file is ssh's first (the
/// session, the network or sshd went away) and says nothing of the daemon behind it.
pub(super) fn close_reason(reason: i32, uri: &str) -> String {
    let over_ssh = uri
        .split("://")
        .next()
        .is_some_and(|scheme| scheme.contains("+ssh") || scheme.contains("+libssh"));
    match reason {
        0 => "connection error",
        1 if over_ssh => "the ssh connection closed (network, sshd or the remote daemon)",
        1 => "the daemon closed the connection",
        2 => "keepalive timeout: the host stopped answering",
        3 => "closed by the client",
        _ => "connection closed",
    }
    .to_string()
}

/// `uri` with `no_tty=1` added for `qemu+ssh://` (which runs the `ssh` program): ssh then
/// fails with its message instead of asking for a password or a host key on the terminal
/// the TUI is drawing on. Other transports never touch the terminal.
pub fn unattended_uri(uri: &str) -> String {
    let scheme = uri.split("://").next().unwrap_or("");
    if !scheme.ends_with("+ssh") || uri.contains("no_tty=") {
        return uri.to_string();
    }
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}no_tty=1")
}

/// Whether libvirt's auth callback (not a terminal) is how `uri` asks for credentials:
/// libssh and the TCP/TLS transports (SASL) do; `qemu+ssh://` runs the `ssh` program,
/// which asks on the terminal; local URIs never ask.
pub fn uses_auth_callback(uri: &str) -> bool {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return false;
    };
    match scheme.split_once('+').map(|(_, t)| t) {
        Some(t) => matches!(t, "libssh" | "libssh2" | "tcp" | "tls"),
        // No transport named: a host name means TLS, none means a local driver.
        None => !rest.starts_with('/') && !scheme.is_empty(),
    }
}

/// 0.5 s, 1 s, 2 s, … capped at `max`.
pub(super) fn backoff(attempt: u32, max: Duration) -> Duration {
    let ms = 500u64.saturating_mul(1u64 << attempt.min(16));
    Duration::from_millis(ms).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ssh_uris_get_no_tty() {
        assert_eq!(
            unattended_uri("qemu+ssh://root@h/system"),
            "qemu+ssh://root@h/system?no_tty=1"
        );
        assert_eq!(
            unattended_uri("qemu+ssh://h/system?keyfile=/k"),
            "qemu+ssh://h/system?keyfile=/k&no_tty=1"
        );
        assert_eq!(
            unattended_uri("qemu+ssh://h/system?no_tty=0"),
            "qemu+ssh://h/system?no_tty=0"
        );
        assert_eq!(unattended_uri("qemu:///system"), "qemu:///system");
        assert_eq!(
            unattended_uri("qemu+libssh://h/system"),
            "qemu+libssh://h/system"
        );
    }

    #[test]
    fn only_callback_transports_use_the_auth_popup() {
        for uri in [
            "qemu+libssh://root@h:2298/system?keyfile=/k",
            "qemu+libssh2://h/system",
            "qemu+tcp://h/system",
            "qemu+tls://h/system",
            "qemu://h/system",
        ] {
            assert!(uses_auth_callback(uri), "{uri}");
        }
        for uri in [
            "qemu+ssh://root@h/system",
            "qemu:///system",
            "test:///default",
            "qemu+unix:///system",
            "qemu+ext://h/system",
            "not a uri",
        ] {
            assert!(!uses_auth_callback(uri), "{uri}");
        }
    }

    #[test]
    fn an_end_of_file_over_ssh_is_not_blamed_on_the_daemon() {
        assert!(close_reason(1, "qemu+ssh://root@h/system").starts_with("the ssh connection"));
        assert!(close_reason(1, "qemu+libssh2://h/system").starts_with("the ssh connection"));
        assert_eq!(
            close_reason(1, "qemu:///system"),
            "the daemon closed the connection"
        );
        assert!(close_reason(2, "qemu+ssh://h/system").contains("keepalive"));
    }

    #[test]
    fn backoff_grows_and_caps() {
        let max = Duration::from_secs(15);
        assert_eq!(backoff(0, max), Duration::from_millis(500));
        assert_eq!(backoff(1, max), Duration::from_secs(1));
        assert_eq!(backoff(3, max), Duration::from_secs(4));
        assert_eq!(backoff(10, max), max);
        assert_eq!(backoff(u32::MAX, max), max);
    }
}
