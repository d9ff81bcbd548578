//! A domain console on a non-blocking `virStream`, with the stream callback owned safely.
//!
//! virt 0.5's `Stream` hands libvirt a pointer to the `Stream` value itself as the callback's
//! opaque (dangling as soon as the value moves), mutates it from the event-loop thread
//! without synchronisation, and panics in `Drop` when removing the callback fails (which it
//! does after the stream was aborted). So this module talks to `virt::sys` directly: the
//! callback state is a leaked `Box` freed by libvirt's free callback, and drop removes the
//! callback, aborts and frees the stream without panicking.

use std::collections::VecDeque;
use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_void};
use std::sync::{Arc, Mutex};

use virt::connect::Connect;
use virt::domain::Domain;
use virt::error::Error;
use virt::sys;

/// What the stream callback reports, on libvirt's event-loop thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamEvent {
    /// Everything that could be read in one callback (never empty).
    Data(Vec<u8>),
    /// The stream is over: EOF (guest side closed), hangup or error. Reported once.
    End(String),
}

type StreamFn = Box<dyn FnMut(StreamEvent) + Send>;

/// Bytes waiting to be written, shared by the worker (`send`) and the callback (WRITABLE).
type Outbox = Arc<Mutex<VecDeque<u8>>>;

struct CallbackState {
    on_event: StreamFn,
    /// Reused for every read: a flood means hundreds of callbacks a second.
    buf: Vec<u8>,
    outbox: Outbox,
    ended: bool,
}

/// Most bytes read in one callback; the rest waits for the next one so a flood cannot
/// keep the event loop busy forever.
const MAX_READ_PER_CALLBACK: usize = 1 << 20;

const READ_EVENTS: c_int = (sys::VIR_STREAM_EVENT_READABLE
    | sys::VIR_STREAM_EVENT_ERROR
    | sys::VIR_STREAM_EVENT_HANGUP) as c_int;

/// An open console stream. Dropping it removes the callback, aborts and frees the stream.
pub struct ConsoleStream {
    ptr: sys::virStreamPtr,
    outbox: Outbox,
}

// SAFETY: libvirt stream objects are internally locked and may be used from any thread;
// the only Rust state (the outbox) is behind a Mutex.
unsafe impl Send for ConsoleStream {}

unsafe extern "C" fn stream_trampoline(st: sys::virStreamPtr, events: c_int, opaque: *mut c_void) {
    if opaque.is_null() || st.is_null() {
        return;
    }
    // SAFETY: opaque is the Box<CallbackState> leaked in open_console. libvirt runs the
    // callback only on the event-loop thread, one call at a time, and calls free_state
    // after the last one (deferred while a dispatch is in progress), so this exclusive
    // borrow is unique for its duration.
    let state = unsafe { &mut *(opaque as *mut CallbackState) };
    if state.ended {
        return;
    }
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        on_stream_event(st, events, state);
    }));
}

fn on_stream_event(st: sys::virStreamPtr, events: c_int, state: &mut CallbackState) {
    let ev = events as sys::virStreamEventType;
    let mut end: Option<String> = None;
    if ev & sys::VIR_STREAM_EVENT_READABLE != 0 {
        let mut data = Vec::new();
        let buf = &mut state.buf;
        while data.len() < MAX_READ_PER_CALLBACK {
            // SAFETY: st is the live stream libvirt passed to this callback; buf is a
            // writable buffer of buf.len() bytes.
            let n = unsafe { sys::virStreamRecv(st, buf.as_mut_ptr() as *mut c_char, buf.len()) };
            match n {
                n if n > 0 => data.extend_from_slice(&buf[..n as usize]),
                0 => {
                    end = Some("the console closed (guest stopped or device gone)".into());
                    break;
                }
                -2 => break, // nothing more right now
                _ => {
                    end = Some(format!(
                        "console read failed: {}",
                        Error::last_error().message()
                    ));
                    break;
                }
            }
        }
        if !data.is_empty() {
            (state.on_event)(StreamEvent::Data(data));
        }
    }
    if end.is_none()
        && ev & sys::VIR_STREAM_EVENT_WRITABLE != 0
        && let Err(e) = flush(st, &state.outbox)
    {
        end = Some(e);
    }
    if end.is_none() && ev & sys::VIR_STREAM_EVENT_HANGUP != 0 {
        end = Some("the console hung up (guest stopped)".into());
    }
    if end.is_none() && ev & sys::VIR_STREAM_EVENT_ERROR != 0 {
        end = Some("the console stream failed".into());
    }
    if let Some(reason) = end {
        state.ended = true;
        // Stop further callbacks; the owner frees the stream when it sees End.
        // SAFETY: st is live for the duration of the callback.
        unsafe { sys::virStreamEventUpdateCallback(st, 0) };
        (state.on_event)(StreamEvent::End(reason));
    }
}

/// Writes as much of the outbox as the stream takes; keeps WRITABLE armed while bytes
/// remain. Called by the worker (send) and the callback (WRITABLE), serialised by the lock.
fn flush(st: sys::virStreamPtr, outbox: &Outbox) -> Result<(), String> {
    let mut q = outbox
        .lock()
        .map_err(|_| "console outbox poisoned".to_string())?;
    while !q.is_empty() {
        let (chunk, _) = q.as_slices();
        // SAFETY: st is live (held by ConsoleStream or lent to the callback); chunk is a
        // readable slice of chunk.len() bytes.
        let n = unsafe { sys::virStreamSend(st, chunk.as_ptr() as *const c_char, chunk.len()) };
        match n {
            n if n > 0 => {
                q.drain(..n as usize);
            }
            -2 | 0 => break,
            _ => {
                return Err(format!(
                    "console write failed: {}",
                    Error::last_error().message()
                ));
            }
        }
    }
    let events = if q.is_empty() {
        READ_EVENTS
    } else {
        READ_EVENTS | sys::VIR_STREAM_EVENT_WRITABLE as c_int
    };
    // SAFETY: st is live; changing the event mask of its registered callback is allowed
    // from any thread, including inside the callback.
    unsafe { sys::virStreamEventUpdateCallback(st, events) };
    Ok(())
}

unsafe extern "C" fn free_state(opaque: *mut c_void) {
    if !opaque.is_null() {
        // SAFETY: opaque came from Box::into_raw in open_console; libvirt frees it once.
        drop(unsafe { Box::from_raw(opaque as *mut CallbackState) });
    }
}

/// Opens console `dev` (an alias such as "serial0"; `None` = the first console) of `dom`
/// on a new non-blocking stream. `on_event` runs on libvirt's event-loop thread and must
/// only hand the event on.
pub fn open_console(
    conn: &Connect,
    dom: &Domain,
    dev: Option<&str>,
    flags: u32,
    on_event: impl FnMut(StreamEvent) + Send + 'static,
) -> Result<ConsoleStream, String> {
    let dev_c = dev
        .map(CString::new)
        .transpose()
        .map_err(|_| "the console device name contains a NUL byte".to_string())?;
    // SAFETY: conn is a live connection.
    let st = unsafe { sys::virStreamNew(conn.as_ptr(), sys::VIR_STREAM_NONBLOCK) };
    if st.is_null() {
        return Err(Error::last_error().message().to_string());
    }
    let dev_ptr = dev_c.as_ref().map_or(std::ptr::null(), |c| c.as_ptr());
    // SAFETY: dom and st are live; dev_ptr is NULL or a NUL-terminated string that
    // outlives the call.
    let rc = unsafe { sys::virDomainOpenConsole(dom.as_ptr(), dev_ptr, st, flags) };
    if rc < 0 {
        let err = Error::last_error().message().to_string();
        // SAFETY: st came from virStreamNew and nothing else holds it.
        unsafe { sys::virStreamFree(st) };
        return Err(err);
    }
    let outbox: Outbox = Arc::default();
    let state = Box::new(CallbackState {
        on_event: Box::new(on_event),
        buf: vec![0u8; 64 * 1024],
        outbox: outbox.clone(),
        ended: false,
    });
    let opaque = Box::into_raw(state) as *mut c_void;
    // SAFETY: st is live; opaque stays valid until libvirt calls free_state.
    let rc = unsafe {
        sys::virStreamEventAddCallback(
            st,
            READ_EVENTS,
            Some(stream_trampoline),
            opaque,
            Some(free_state),
        )
    };
    if rc < 0 {
        let err = Error::last_error().message().to_string();
        // SAFETY: registration failed, so libvirt did not take the opaque; st is ours.
        unsafe {
            free_state(opaque);
            sys::virStreamAbort(st);
            sys::virStreamFree(st);
        }
        return Err(err);
    }
    Ok(ConsoleStream { ptr: st, outbox })
}

impl ConsoleStream {
    /// Queues `bytes` for the guest and writes what the stream takes now; the rest goes
    /// out from the callback when the stream is writable again.
    pub fn send(&self, bytes: &[u8]) -> Result<(), String> {
        match self.outbox.lock() {
            Ok(mut q) => q.extend(bytes),
            Err(_) => return Err("console outbox poisoned".into()),
        }
        flush(self.ptr, &self.outbox)
    }
}

impl Drop for ConsoleStream {
    fn drop(&mut self) {
        // SAFETY: ptr is the stream we own. Removing the callback makes libvirt call
        // free_state (after any dispatch in progress); abort may fail on a stream that
        // already ended, which is harmless; free drops our reference exactly once.
        unsafe {
            sys::virStreamEventRemoveCallback(self.ptr);
            sys::virStreamAbort(self.ptr);
            sys::virStreamFree(self.ptr);
        }
    }
}
