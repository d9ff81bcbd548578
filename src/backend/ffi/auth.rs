//! `virConnectOpenAuth` with a credential callback that asks a Rust closure (the UI, through
//! the worker) instead of a terminal: libssh passwords and key passphrases, SASL names.
//! virt 0.5's own `open_auth` takes a plain `fn` (no state to reach the UI with) and
//! unwraps unknown credential types inside the C callback; this one catches panics.

use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int, c_uint, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};

use virt::connect::Connect;
use virt::error::Error;
use virt::sys;

/// What libvirt asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredKind {
    Username,
    AuthName,
    /// A key's passphrase (libssh with an encrypted `keyfile=`).
    Passphrase,
    EchoPrompt,
    /// A password (libssh `sshauth=password`, keyboard-interactive).
    NoEchoPrompt,
    Realm,
    Other(c_int),
}

impl CredKind {
    fn from_raw(t: c_int) -> CredKind {
        match t as u32 {
            sys::VIR_CRED_USERNAME => CredKind::Username,
            sys::VIR_CRED_AUTHNAME => CredKind::AuthName,
            sys::VIR_CRED_PASSPHRASE => CredKind::Passphrase,
            sys::VIR_CRED_ECHOPROMPT => CredKind::EchoPrompt,
            sys::VIR_CRED_NOECHOPROMPT => CredKind::NoEchoPrompt,
            sys::VIR_CRED_REALM => CredKind::Realm,
            _ => CredKind::Other(t),
        }
    }

    /// Whether the answer must never be shown while it is typed.
    pub fn secret(self) -> bool {
        matches!(self, CredKind::Passphrase | CredKind::NoEchoPrompt)
    }
}

/// One question of libvirt's callback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredRequest {
    pub kind: CredKind,
    pub prompt: String,
    pub challenge: Option<String>,
    pub default: Option<String>,
}

/// Answers every request in order, or `None` to cancel the connection attempt.
pub type Asker<'a> = dyn FnMut(&[CredRequest]) -> Option<Vec<String>> + 'a;

/// The credential types offered to libvirt (it asks only for these).
const OFFERED: [u32; 6] = [
    sys::VIR_CRED_USERNAME,
    sys::VIR_CRED_AUTHNAME,
    sys::VIR_CRED_PASSPHRASE,
    sys::VIR_CRED_ECHOPROMPT,
    sys::VIR_CRED_NOECHOPROMPT,
    sys::VIR_CRED_REALM,
];

/// Why [`open_auth`] failed.
#[derive(Debug)]
pub enum OpenAuthError {
    Libvirt(Error),
    /// The URI holds a NUL byte: it cannot be handed to libvirt.
    BadUri,
}

impl std::fmt::Display for OpenAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenAuthError::Libvirt(e) => f.write_str(e.message()),
            OpenAuthError::BadUri => f.write_str("the URI contains a NUL byte"),
        }
    }
}

/// Opens `uri` with `ask` answering libvirt's credential questions (it runs on the calling
/// thread, inside this call).
pub fn open_auth(
    uri: Option<&str>,
    readonly: bool,
    ask: &mut Asker<'_>,
) -> Result<Connect, OpenAuthError> {
    let uri = uri
        .map(CString::new)
        .transpose()
        .map_err(|_| OpenAuthError::BadUri)?;
    let mut types: Vec<c_int> = OFFERED.iter().map(|t| *t as c_int).collect();
    let mut ask_ref: &mut Asker<'_> = ask;
    let mut auth = sys::virConnectAuth {
        credtype: types.as_mut_ptr(),
        ncredtype: types.len() as c_uint,
        cb: Some(auth_trampoline),
        cbdata: (&mut ask_ref as *mut &mut Asker<'_>).cast::<c_void>(),
    };
    let flags = if readonly { sys::VIR_CONNECT_RO } else { 0 };
    // SAFETY: uri is NUL-terminated or null; auth, its credtype array and the closure
    // cbdata points at all outlive the call, which is the only time libvirt uses them.
    let ptr = unsafe {
        sys::virConnectOpenAuth(
            uri.as_ref().map_or(std::ptr::null(), |u| u.as_ptr()),
            &mut auth,
            flags,
        )
    };
    if ptr.is_null() {
        return Err(OpenAuthError::Libvirt(Error::last_error()));
    }
    // SAFETY: ptr is a new connection reference, handed over to Connect (which closes it).
    Ok(unsafe { Connect::from_ptr(ptr) })
}

/// Overwrites a secret before its memory goes back to the allocator.
pub fn wipe(secret: String) {
    let mut bytes = secret.into_bytes();
    bytes.fill(0);
    // Keeps the writes from being optimised away as dead stores before the free.
    std::hint::black_box(&bytes);
}

/// Copies a C string libvirt lent us; `None` for null.
///
/// # Safety
/// `p` must be null or point to a NUL-terminated string alive for the call.
unsafe fn text(p: *const c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: non-null and NUL-terminated (the caller's promise).
    Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
}

/// libvirt's callback: asks the closure, writes the answers as malloc'd strings (libvirt
/// frees them). Any failure, a cancel or a panic is -1: the connection attempt fails.
unsafe extern "C" fn auth_trampoline(
    creds: sys::virConnectCredentialPtr,
    ncred: c_uint,
    cbdata: *mut c_void,
) -> c_int {
    let answered = catch_unwind(AssertUnwindSafe(|| {
        if cbdata.is_null() || (creds.is_null() && ncred > 0) {
            return None;
        }
        // SAFETY: cbdata is the `&mut &mut Asker` open_auth passed, alive during the call.
        let ask = unsafe { &mut *cbdata.cast::<&mut Asker<'_>>() };
        let creds: &mut [sys::virConnectCredential] = if ncred == 0 {
            &mut []
        } else {
            // SAFETY: libvirt passes ncred initialised credentials at creds.
            unsafe { std::slice::from_raw_parts_mut(creds, ncred as usize) }
        };
        let requests: Vec<CredRequest> = creds
            .iter()
            .map(|c| {
                // SAFETY: prompt, challenge and defresult are null or NUL-terminated
                // strings libvirt owns for the duration of the callback.
                let (prompt, challenge, default) =
                    unsafe { (text(c.prompt), text(c.challenge), text(c.defresult)) };
                CredRequest {
                    kind: CredKind::from_raw(c.type_),
                    prompt: prompt.unwrap_or_default(),
                    challenge,
                    default,
                }
            })
            .collect();
        let answers = (*ask)(&requests)?;
        if answers.len() != creds.len() || answers.iter().any(|a| a.contains('\0')) {
            answers.into_iter().for_each(wipe);
            return None;
        }
        for (c, a) in creds.iter_mut().zip(answers) {
            // SAFETY: a fresh malloc of len + 1 bytes, filled and NUL-terminated below;
            // libvirt takes it over and frees it.
            unsafe {
                let buf = libc::malloc(a.len() + 1).cast::<u8>();
                if buf.is_null() {
                    return None;
                }
                std::ptr::copy_nonoverlapping(a.as_ptr(), buf, a.len());
                *buf.add(a.len()) = 0;
                c.result = buf.cast::<c_char>();
            }
            c.resultlen = a.len() as c_uint;
            wipe(a);
        }
        Some(())
    }));
    match answered {
        Ok(Some(())) => 0,
        _ => -1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the C callback as libvirt would, with `ask` behind cbdata; returns its code and
    /// the answers written (freed here, as libvirt does).
    fn call(prompts: &[(u32, &str)], ask: &mut Asker<'_>) -> (c_int, Vec<Option<String>>) {
        let texts: Vec<CString> = prompts
            .iter()
            .map(|(_, p)| CString::new(*p).expect("prompt"))
            .collect();
        let mut creds: Vec<sys::virConnectCredential> = prompts
            .iter()
            .zip(&texts)
            .map(|((t, _), p)| sys::virConnectCredential {
                type_: *t as c_int,
                prompt: p.as_ptr(),
                challenge: std::ptr::null(),
                defresult: std::ptr::null(),
                result: std::ptr::null_mut(),
                resultlen: 0,
            })
            .collect();
        let mut ask_ref: &mut Asker<'_> = ask;
        let data = (&mut ask_ref as *mut &mut Asker<'_>).cast::<c_void>();
        // SAFETY: creds holds len initialised credentials; data points at ask_ref.
        let rc = unsafe { auth_trampoline(creds.as_mut_ptr(), creds.len() as c_uint, data) };
        let results = creds
            .iter()
            .map(|c| {
                // SAFETY: result is null or the NUL-terminated malloc'd answer.
                let s = unsafe { text(c.result) };
                // SAFETY: a malloc'd buffer (or null) nobody else frees.
                unsafe { libc::free(c.result.cast()) };
                s
            })
            .collect();
        (rc, results)
    }

    #[test]
    fn answers_reach_libvirt_in_order_and_secrets_are_marked() {
        let mut seen = Vec::new();
        let (rc, results) = call(
            &[
                (sys::VIR_CRED_AUTHNAME, "user"),
                (sys::VIR_CRED_NOECHOPROMPT, "root@h's password: "),
            ],
            &mut |reqs: &[CredRequest]| {
                seen = reqs
                    .iter()
                    .map(|r| (r.kind.secret(), r.prompt.clone()))
                    .collect();
                Some(vec!["root".into(), "s3cret".into()])
            },
        );
        assert_eq!(rc, 0);
        assert_eq!(
            results,
            [Some("root".to_string()), Some("s3cret".to_string())]
        );
        assert_eq!(
            seen,
            [
                (false, "user".to_string()),
                (true, "root@h's password: ".to_string())
            ]
        );
    }

    #[test]
    fn a_cancel_a_short_answer_or_a_panic_fails_the_attempt_without_answers() {
        let prompts = [(sys::VIR_CRED_PASSPHRASE, "passphrase for key: ")];
        let (rc, results) = call(&prompts, &mut |_: &[CredRequest]| None);
        assert_eq!((rc, results), (-1, vec![None]));
        let (rc, results) = call(&prompts, &mut |_: &[CredRequest]| Some(Vec::new()));
        assert_eq!((rc, results), (-1, vec![None]));
        let (rc, results) = call(&prompts, &mut |_: &[CredRequest]| -> Option<Vec<String>> {
            panic!("a bug in the asker must not unwind into libvirt")
        });
        assert_eq!((rc, results), (-1, vec![None]));
    }

    #[test]
    fn a_driver_that_needs_no_credentials_never_asks() {
        let mut asked = false;
        let conn = open_auth(Some("test:///default"), true, &mut |_: &[CredRequest]| {
            asked = true;
            None
        });
        assert!(conn.is_ok(), "{:?}", conn.err());
        assert!(!asked);
        assert!(matches!(
            open_auth(
                Some("test:///de\0fault"),
                false,
                &mut |_: &[CredRequest]| None
            ),
            Err(OpenAuthError::BadUri)
        ));
    }
}
