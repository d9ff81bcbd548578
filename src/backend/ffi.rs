//! The only module with `unsafe`: the libvirt calls virt 0.5 does not wrap safely
//! (domain event and close callbacks, bulk stats records, raw state codes, local time).

use std::ffi::CStr;
use std::os::raw::{c_int, c_void};

use virt::connect::Connect;
use virt::domain::Domain;
use virt::error::Error;
use virt::sys;

pub mod auth;
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

/// The canonical text form of a raw UUID (`6f1c0000-0000-4000-8000-000000000001`), as
/// `virDomainGetUUIDString` writes it, without its `snprintf` (a stats tick formats one
/// per domain).
pub(crate) fn uuid_text(raw: &[u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(36);
    for (i, b) in raw.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    s
}

/// Reads the UUID string of a domain handle libvirt lent us (empty if it has none).
pub(crate) fn domain_uuid(dom: sys::virDomainPtr) -> String {
    let mut raw = [0u8; sys::VIR_UUID_BUFLEN as usize];
    // SAFETY: dom is valid for the duration of the call that lent it; raw has the
    // VIR_UUID_BUFLEN bytes virDomainGetUUID writes.
    let ok = unsafe { sys::virDomainGetUUID(dom, raw.as_mut_ptr()) } == 0;
    if ok { uuid_text(&raw) } else { String::new() }
}

/// Reads the UUID string and name of a domain handle libvirt lent us.
pub(crate) fn domain_identity(dom: sys::virDomainPtr) -> (String, String) {
    let uuid = domain_uuid(dom);
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

/// One domain's record from `virConnectGetAllDomainStats` / `virDomainListGetStats`.
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
    // SAFETY: records (if any) came from the call above, which returned n.
    unsafe { take_records(records, n) }
}

/// One bulk call for just these domains (`virDomainListGetStats`): the same records as
/// [`all_domain_stats`], for the domains someone looks at.
pub fn list_domain_stats(
    doms: &[Domain],
    stats: u32,
    flags: u32,
) -> Result<Vec<StatsRecord>, Error> {
    if doms.is_empty() {
        return Ok(Vec::new());
    }
    let mut ptrs: Vec<sys::virDomainPtr> = doms
        .iter()
        // SAFETY: the handles stay owned by `doms`, alive for the whole call below.
        .map(|d| unsafe { d.as_ptr() })
        .collect();
    ptrs.push(std::ptr::null_mut());
    let mut records: *mut sys::virDomainStatsRecordPtr = std::ptr::null_mut();
    // SAFETY: ptrs is a NULL-terminated array of live domain handles (borrowed from doms
    // for the call); libvirt allocates the NULL-terminated result into `records`.
    let n = unsafe { sys::virDomainListGetStats(ptrs.as_mut_ptr(), stats, &mut records, flags) };
    // SAFETY: records (if any) came from the call above, which returned n.
    unsafe { take_records(records, n) }
}

/// Copies a stats record list out and frees it.
///
/// # Safety
/// `records` must be the list a stats call returned together with `n` (n < 0: failed).
unsafe fn take_records(
    records: *mut sys::virDomainStatsRecordPtr,
    n: c_int,
) -> Result<Vec<StatsRecord>, Error> {
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
            (
                domain_uuid((*rec).dom),
                copy_params((*rec).params, (*rec).nparams),
            )
        };
        out.push(StatsRecord { uuid, params });
    }
    // SAFETY: records came from a stats call and is freed exactly once.
    unsafe { sys::virDomainStatsRecordListFree(records) };
    Ok(out)
}

/// Hands memory freed after a big transient job (listing 1000 domains) back to the OS:
/// glibc keeps freed chunks in its per-thread arenas, and the resident size would stay at
/// the job's peak. Nothing happens on other C libraries.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own arenas; it touches no memory of ours.
    unsafe {
        libc::malloc_trim(0);
    }
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

#[cfg(test)]
mod uuid_tests {
    #[test]
    fn uuid_text_matches_libvirts_own_formatting() {
        let conn = virt::connect::Connect::open(Some("test:///default")).expect("test driver");
        let dom = conn.lookup_domain_by_name("test").expect("the test domain");
        let raw: [u8; 16] = dom.uuid().expect("uuid").into_bytes();
        assert_eq!(
            super::uuid_text(&raw),
            dom.uuid_string().expect("uuid string")
        );
        // SAFETY: dom is alive for the call; domain_uuid only reads its UUID.
        let raw_ptr = unsafe { dom.as_ptr() };
        assert_eq!(
            super::domain_uuid(raw_ptr),
            dom.uuid_string().expect("uuid")
        );
    }
}
