//! The only module with `unsafe`: the libvirt calls virt 0.5 does not wrap safely
//! (domain event and close callbacks, bulk stats records, raw state codes, local time).

use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};

use virt::connect::Connect;
use virt::domain::Domain;
use virt::error::Error;
use virt::sys;

pub mod blockjob;
pub mod console;
pub mod domain_events;
pub mod domjob;
pub mod leases;
pub mod node;
pub mod stream;

/// A domain lifecycle event as libvirt delivered it, copied out of the callback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawLifecycleEvent {
    pub uuid: String,
    pub name: String,
    pub event: i32,
    pub detail: i32,
}

type LifecycleFn = Box<dyn Fn(RawLifecycleEvent) + Send + Sync>;
type CloseFn = Box<dyn Fn(i32) + Send + Sync>;

/// Keeps a lifecycle subscription alive; deregisters it when dropped.
pub struct LifecycleSubscription {
    conn: Connect,
    callback_id: c_int,
}

impl Drop for LifecycleSubscription {
    fn drop(&mut self) {
        // SAFETY: conn is a live connection we hold a reference to, and callback_id came
        // from a successful virConnectDomainEventRegisterAny on it. Failure (dead
        // connection) is harmless: libvirt frees the opaque with the connection.
        unsafe {
            sys::virConnectDomainEventDeregisterAny(self.conn.as_ptr(), self.callback_id);
        }
    }
}

/// Reads the UUID string and name of a domain handle libvirt lent us.
pub(crate) fn domain_identity(dom: sys::virDomainPtr) -> (String, String) {
    let mut buf = [0 as c_char; sys::VIR_UUID_STRING_BUFLEN as usize];
    // SAFETY: dom is valid for the duration of the callback that lent it; buf has the
    // VIR_UUID_STRING_BUFLEN bytes virDomainGetUUIDString writes (NUL included).
    let uuid = unsafe {
        if sys::virDomainGetUUIDString(dom, buf.as_mut_ptr()) == 0 {
            CStr::from_ptr(buf.as_ptr()).to_string_lossy().into_owned()
        } else {
            String::new()
        }
    };
    // SAFETY: dom is valid (see above); the returned name is owned by the domain object
    // and copied before we return.
    let name = unsafe {
        let p = sys::virDomainGetName(dom);
        if p.is_null() {
            String::new()
        } else {
            CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    };
    (uuid, name)
}

unsafe extern "C" fn lifecycle_trampoline(
    _conn: sys::virConnectPtr,
    dom: sys::virDomainPtr,
    event: c_int,
    detail: c_int,
    opaque: *mut c_void,
) -> c_int {
    if opaque.is_null() || dom.is_null() {
        return 0;
    }
    // SAFETY: opaque is the Box<LifecycleFn> we leaked in subscribe_lifecycle; libvirt
    // keeps it alive until it calls free_lifecycle, which happens after the last callback.
    let f = unsafe { &*(opaque as *const LifecycleFn) };
    let (uuid, name) = domain_identity(dom);
    // A panic must not unwind into libvirt's C stack.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        f(RawLifecycleEvent {
            uuid,
            name,
            event,
            detail,
        })
    }));
    0
}

unsafe extern "C" fn free_lifecycle(opaque: *mut c_void) {
    if !opaque.is_null() {
        // SAFETY: opaque came from Box::into_raw in subscribe_lifecycle and libvirt calls
        // this free callback exactly once.
        drop(unsafe { Box::from_raw(opaque as *mut LifecycleFn) });
    }
}

/// Subscribes `f` to lifecycle events of every domain on `conn`. `f` runs on libvirt's
/// event-loop thread and must only hand the event on.
pub fn subscribe_lifecycle(
    conn: &Connect,
    f: impl Fn(RawLifecycleEvent) + Send + Sync + 'static,
) -> Result<LifecycleSubscription, Error> {
    let boxed: Box<LifecycleFn> = Box::new(Box::new(f));
    let opaque = Box::into_raw(boxed) as *mut c_void;
    type LifecycleCb = unsafe extern "C" fn(
        sys::virConnectPtr,
        sys::virDomainPtr,
        c_int,
        c_int,
        *mut c_void,
    ) -> c_int;
    let specific: LifecycleCb = lifecycle_trampoline;
    // SAFETY: libvirt's API takes the generic callback type and calls it with the
    // signature that belongs to the event id (VIR_DOMAIN_EVENT_ID_LIFECYCLE: conn, dom,
    // event, detail, opaque), so casting our correctly-typed function is the documented
    // usage (VIR_DOMAIN_EVENT_CALLBACK in libvirt's C headers does the same cast).
    let generic: unsafe extern "C" fn(sys::virConnectPtr, sys::virDomainPtr, *mut c_void) =
        unsafe { std::mem::transmute::<LifecycleCb, _>(specific) };
    // SAFETY: conn is live; opaque stays valid until libvirt calls free_lifecycle.
    let id = unsafe {
        sys::virConnectDomainEventRegisterAny(
            conn.as_ptr(),
            std::ptr::null_mut(),
            sys::VIR_DOMAIN_EVENT_ID_LIFECYCLE as c_int,
            Some(generic),
            opaque,
            Some(free_lifecycle),
        )
    };
    if id < 0 {
        let err = Error::last_error();
        // SAFETY: registration failed, so libvirt did not take ownership of opaque.
        unsafe { free_lifecycle(opaque) };
        return Err(err);
    }
    Ok(LifecycleSubscription {
        conn: conn.clone(),
        callback_id: id,
    })
}

/// Keeps a close-callback registration alive; unregisters it when dropped.
pub struct CloseSubscription {
    conn: Connect,
}

unsafe extern "C" fn close_trampoline(
    _conn: sys::virConnectPtr,
    reason: c_int,
    opaque: *mut c_void,
) {
    if opaque.is_null() {
        return;
    }
    // SAFETY: opaque is the Box<CloseFn> leaked in subscribe_close, alive until free_close.
    let f = unsafe { &*(opaque as *const CloseFn) };
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(reason)));
}

unsafe extern "C" fn free_close(opaque: *mut c_void) {
    if !opaque.is_null() {
        // SAFETY: opaque came from Box::into_raw in subscribe_close; freed exactly once.
        drop(unsafe { Box::from_raw(opaque as *mut CloseFn) });
    }
}

impl Drop for CloseSubscription {
    fn drop(&mut self) {
        // SAFETY: conn is live and close_trampoline is the callback registered on it.
        unsafe {
            sys::virConnectUnregisterCloseCallback(self.conn.as_ptr(), Some(close_trampoline));
        }
    }
}

/// Calls `f(reason)` (a `virConnectCloseReason`) on the event-loop thread when the
/// connection closes: daemon gone, keepalive timeout, socket error.
pub fn subscribe_close(
    conn: &Connect,
    f: impl Fn(i32) + Send + Sync + 'static,
) -> Result<CloseSubscription, Error> {
    let boxed: Box<CloseFn> = Box::new(Box::new(f));
    let opaque = Box::into_raw(boxed) as *mut c_void;
    // SAFETY: conn is live; opaque stays valid until libvirt calls free_close.
    let rc = unsafe {
        sys::virConnectRegisterCloseCallback(
            conn.as_ptr(),
            Some(close_trampoline),
            opaque,
            Some(free_close),
        )
    };
    if rc < 0 {
        let err = Error::last_error();
        // SAFETY: registration failed, so libvirt did not take ownership of opaque.
        unsafe { free_close(opaque) };
        return Err(err);
    }
    Ok(CloseSubscription { conn: conn.clone() })
}

/// `virDomainGetState` as raw (state, reason) codes; virt's typed enums lose unknown values.
pub fn domain_state(dom: &Domain) -> Result<(i32, i32), Error> {
    let mut state: c_int = -1;
    let mut reason: c_int = -1;
    // SAFETY: dom is a live domain handle; both out-pointers point to valid c_ints.
    let rc = unsafe { sys::virDomainGetState(dom.as_ptr(), &mut state, &mut reason, 0) };
    if rc < 0 {
        return Err(Error::last_error());
    }
    Ok((state, reason))
}

/// A typed parameter's value, copied out of libvirt's memory.
#[derive(Clone, Debug, PartialEq)]
pub enum TypedValue {
    Int(i32),
    UInt(u32),
    LLong(i64),
    ULLong(u64),
    Double(f64),
    Bool(bool),
    String(String),
}

/// One domain's record from `virConnectGetAllDomainStats`.
#[derive(Clone, Debug, PartialEq)]
pub struct StatsRecord {
    pub uuid: String,
    pub params: Vec<(String, TypedValue)>,
}

/// Copies `n` typed parameters starting at `params`.
///
/// # Safety
/// `params` must point to `n` initialised `virTypedParameter`s (or be null with n == 0).
unsafe fn copy_params(params: sys::virTypedParameterPtr, n: c_int) -> Vec<(String, TypedValue)> {
    let n = usize::try_from(n).unwrap_or(0);
    if params.is_null() || n == 0 {
        return Vec::new();
    }
    // SAFETY: the caller guarantees n valid elements.
    let slice = unsafe { std::slice::from_raw_parts(params, n) };
    let mut out = Vec::with_capacity(n);
    for p in slice {
        // SAFETY: libvirt NUL-terminates the fixed-size field name.
        let field = unsafe { CStr::from_ptr(p.field.as_ptr()) }
            .to_string_lossy()
            .into_owned();
        // SAFETY: type_ says which union member libvirt initialised.
        let value = unsafe {
            match p.type_ as u32 {
                sys::VIR_TYPED_PARAM_INT => TypedValue::Int(p.value.i),
                sys::VIR_TYPED_PARAM_UINT => TypedValue::UInt(p.value.ui),
                sys::VIR_TYPED_PARAM_LLONG => TypedValue::LLong(p.value.l),
                sys::VIR_TYPED_PARAM_ULLONG => TypedValue::ULLong(p.value.ul),
                sys::VIR_TYPED_PARAM_DOUBLE => TypedValue::Double(p.value.d),
                sys::VIR_TYPED_PARAM_BOOLEAN => TypedValue::Bool(p.value.b != 0),
                sys::VIR_TYPED_PARAM_STRING if !p.value.s.is_null() => {
                    TypedValue::String(CStr::from_ptr(p.value.s).to_string_lossy().into_owned())
                }
                _ => continue,
            }
        };
        out.push((field, value));
    }
    out
}

/// One `virConnectGetAllDomainStats` call, copied into owned records and freed properly
/// (virt 0.5's wrapper leaks every record).
pub fn all_domain_stats(conn: &Connect, stats: u32, flags: u32) -> Result<Vec<StatsRecord>, Error> {
    let mut records: *mut sys::virDomainStatsRecordPtr = std::ptr::null_mut();
    // SAFETY: conn is live; libvirt allocates the NULL-terminated array into `records`.
    let n = unsafe { sys::virConnectGetAllDomainStats(conn.as_ptr(), stats, &mut records, flags) };
    if n < 0 {
        return Err(Error::last_error());
    }
    let mut out = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
    if records.is_null() {
        return Ok(out);
    }
    for i in 0..usize::try_from(n).unwrap_or(0) {
        // SAFETY: the array has n valid record pointers followed by NULL.
        let rec = unsafe { *records.add(i) };
        if rec.is_null() {
            break;
        }
        // SAFETY: rec is a valid record; its dom and params live until the list is freed.
        let (uuid, params) = unsafe {
            let (uuid, _) = domain_identity((*rec).dom);
            (uuid, copy_params((*rec).params, (*rec).nparams))
        };
        out.push(StatsRecord { uuid, params });
    }
    // SAFETY: records came from virConnectGetAllDomainStats and is freed exactly once.
    unsafe { sys::virDomainStatsRecordListFree(records) };
    Ok(out)
}

/// A broken-down local time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct LocalTime {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

/// `epoch` in the host's time zone (libc `localtime_r`); the epoch itself if that fails.
pub fn local_time(epoch: i64) -> LocalTime {
    let t: libc::time_t = epoch as libc::time_t;
    // SAFETY: an all-zero `tm` is a valid value (integers and a null zone pointer).
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid for the call; localtime_r is the thread-safe variant
    // and writes only into `tm`.
    let ok = unsafe { !libc::localtime_r(&t, &mut tm).is_null() };
    if !ok {
        return LocalTime {
            year: 1970,
            month: 1,
            day: 1,
            ..LocalTime::default()
        };
    }
    LocalTime {
        year: tm.tm_year + 1900,
        month: (tm.tm_mon + 1) as u32,
        day: tm.tm_mday as u32,
        hour: tm.tm_hour as u32,
        minute: tm.tm_min as u32,
        second: tm.tm_sec as u32,
    }
}
