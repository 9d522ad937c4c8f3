// SPDX-License-Identifier: GPL-2.0
//! fanotify-subtree: the events of one directory tree, from a filesystem
//! mark filtered in the kernel.
//!
//! The tool puts a fanotify filesystem mark on the filesystem of DIR, and a
//! BPF filter (struct_ops `fanotify_filter_ops`, selected with the
//! `FAN_IOC_SET_FILTER` ioctl) drops every event outside DIR before it is
//! queued.  Membership of the tree is a tag in BPF inode storage: the tool
//! tags DIR, and the filter gives the tag to what is created or moved under
//! a tagged directory.  See README.md.
//!
//! Usage: fanotify-subtree [-d SECS] [-q] DIR
//!   -d SECS  stop after SECS seconds (default: at SIGINT or SIGTERM)
//!   -q       do not print the events, only the counts at exit

use std::ffi::{CStr, CString, OsStr};
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use libbpf_rs::skel::{OpenSkel, SkelBuilder};
use libbpf_rs::{MapCore, MapFlags};

#[path = "../../stop.rs"]
mod stop;

mod skel {
    include!(concat!(env!("OUT_DIR"), "/fanotify_subtree.skel.rs"));
}
use skel::*;

/// uapi/linux/fanotify.h: FAN_IOC_SET_FILTER, _IOW(0xFA, 0x00, char[16]).
const FAN_FILTER_NAME_MAX: usize = 16;
const FAN_IOC_SET_FILTER: libc::c_ulong =
    (1 << 30) | ((FAN_FILTER_NAME_MAX as libc::c_ulong) << 16) | (0xFA << 8);

/// The events the tool asks for.  Creations and moves are needed by the
/// filter too: they are where tags are given and taken.
const EVENTS: u64 = libc::FAN_CREATE
    | libc::FAN_DELETE
    | libc::FAN_MOVED_FROM
    | libc::FAN_MOVED_TO
    | libc::FAN_CLOSE_WRITE
    | libc::FAN_ONDIR;

const EVENT_NAMES: [(u64, &str); 6] = [
    (libc::FAN_CREATE, "CREATE"),
    (libc::FAN_DELETE, "DELETE"),
    (libc::FAN_MOVED_FROM, "MOVED_FROM"),
    (libc::FAN_MOVED_TO, "MOVED_TO"),
    (libc::FAN_CLOSE_WRITE, "CLOSE_WRITE"),
    (libc::FAN_ONDIR, "ONDIR"),
];

struct Options {
    duration: Option<Duration>,
    quiet: bool,
    dir: PathBuf,
}

const USAGE: &str = "usage: fanotify-subtree [-d SECS] [-q] DIR";

fn parse_args() -> Result<Options> {
    let mut duration = None;
    let mut quiet = false;
    let mut dir = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "-d" => {
                let v = args.next().context("-d needs seconds")?;
                duration = Some(Duration::from_secs(
                    v.parse().with_context(|| format!("-d {v}: not a number"))?,
                ));
            }
            "-q" => quiet = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ if a.starts_with('-') => bail!("unknown argument {a} ({USAGE})"),
            _ if dir.is_none() => dir = Some(PathBuf::from(a)),
            _ => bail!("one DIR only ({USAGE})"),
        }
    }
    Ok(Options {
        duration,
        quiet,
        dir: dir.context(USAGE)?,
    })
}

fn open_path(path: &Path, flags: libc::c_int) -> Result<OwnedFd> {
    let c = CString::new(path.as_os_str().as_bytes())?;
    // SAFETY: a valid NUL-terminated path; the fd is owned below.
    let fd = unsafe { libc::open(c.as_ptr(), flags | libc::O_CLOEXEC) };
    if fd < 0 {
        bail!("{}: {}", path.display(), std::io::Error::last_os_error());
    }
    // SAFETY: fd was just opened and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A fanotify group on the filesystem of `dir`, reporting directory fids
/// and names, with the filter `name` selected.
fn fanotify_group(dir: &Path, name: &str) -> Result<OwnedFd> {
    // SAFETY: plain system call; the fd is owned below.
    let fd = unsafe {
        libc::fanotify_init(
            libc::FAN_CLASS_NOTIF | libc::FAN_REPORT_DFID_NAME | libc::FAN_CLOEXEC,
            libc::O_RDONLY as libc::c_uint,
        )
    };
    if fd < 0 {
        bail!("fanotify_init: {}", std::io::Error::last_os_error());
    }
    // SAFETY: fd was just returned by fanotify_init.
    let group = unsafe { OwnedFd::from_raw_fd(fd) };
    let c = CString::new(dir.as_os_str().as_bytes())?;
    // SAFETY: a valid group fd and NUL-terminated path.
    let rc = unsafe {
        libc::fanotify_mark(
            group.as_raw_fd(),
            libc::FAN_MARK_ADD | libc::FAN_MARK_FILESYSTEM,
            EVENTS,
            libc::AT_FDCWD,
            c.as_ptr(),
        )
    };
    if rc != 0 {
        bail!(
            "fanotify_mark on the filesystem of {}: {}",
            dir.display(),
            std::io::Error::last_os_error()
        );
    }
    let mut arg = [0u8; FAN_FILTER_NAME_MAX];
    arg[..name.len()].copy_from_slice(name.as_bytes());
    // SAFETY: the ioctl reads FAN_FILTER_NAME_MAX bytes from arg.
    if unsafe { libc::ioctl(group.as_raw_fd(), FAN_IOC_SET_FILTER, arg.as_ptr()) } != 0 {
        bail!(
            "FAN_IOC_SET_FILTER {name}: {} (needs a kernel with CONFIG_FANOTIFY_BPF_FILTER)",
            std::io::Error::last_os_error()
        );
    }
    Ok(group)
}

/// The path of the directory a file handle names, through `mount_fd`.
fn dir_path(mount_fd: &OwnedFd, handle: &[u8]) -> Option<PathBuf> {
    // struct file_handle { u32 handle_bytes; int handle_type; u8 f_handle[]; }
    // is what the event carries: pass it as is, 4-byte aligned.
    let mut buf = vec![0u32; handle.len().div_ceil(4)];
    // SAFETY: buf holds at least handle.len() bytes.
    unsafe {
        std::ptr::copy_nonoverlapping(handle.as_ptr(), buf.as_mut_ptr().cast(), handle.len());
    }
    // SAFETY: open_by_handle_at reads a file_handle from buf; the fd is
    // owned below.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_open_by_handle_at,
            mount_fd.as_raw_fd(),
            buf.as_mut_ptr(),
            libc::O_PATH | libc::O_CLOEXEC,
        )
    } as libc::c_int;
    if fd < 0 {
        return None;
    }
    // SAFETY: fd was just opened.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd())).ok()
}

fn mask_names(mask: u64) -> String {
    let names: Vec<&str> = EVENT_NAMES
        .iter()
        .filter(|(bit, _)| mask & bit != 0)
        .map(|&(_, n)| n)
        .collect();
    names.join("|")
}

/// Reads the queued events and prints them; returns how many there were.
fn read_events(group: &OwnedFd, mount_fd: &OwnedFd, quiet: bool) -> Result<u64> {
    let mut buf = vec![0u64; 8192 / 8];
    // SAFETY: buf is 8192 writable bytes.
    let len = unsafe { libc::read(group.as_raw_fd(), buf.as_mut_ptr().cast(), 8192) };
    if len < 0 {
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() == Some(libc::EAGAIN) || e.raw_os_error() == Some(libc::EINTR) {
            return Ok(0);
        }
        return Err(e).context("reading events");
    }
    // SAFETY: the kernel wrote len bytes into buf.
    let bytes = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), len as usize) };
    let u32_at = |b: &[u8], o: usize| u32::from_ne_bytes(b[o..o + 4].try_into().unwrap());
    let mut off = 0;
    let mut events = 0;
    // struct fanotify_event_metadata: event_len u32, vers u8, reserved u8,
    // metadata_len u16, mask u64, fd i32, pid i32; then info records.
    while off + 24 <= bytes.len() {
        let ev = &bytes[off..];
        let event_len = u32_at(ev, 0) as usize;
        let metadata_len = u16::from_ne_bytes([ev[6], ev[7]]) as usize;
        if event_len < 24 || off + event_len > bytes.len() {
            bail!("short fanotify event");
        }
        let mask = u64::from_ne_bytes(ev[8..16].try_into().unwrap());
        events += 1;
        if !quiet {
            // The DFID_NAME record: info_type u8, pad u8, len u16,
            // fsid [i32; 2], struct file_handle, then the name.
            let mut path = String::from("?");
            let rec = &ev[metadata_len..event_len];
            if rec.len() > 20 && rec[0] == libc::FAN_EVENT_INFO_TYPE_DFID_NAME {
                let handle_bytes = u32_at(rec, 12) as usize;
                let handle = &rec[12..(20 + handle_bytes).min(rec.len())];
                let name = rec
                    .get(20 + handle_bytes..)
                    .and_then(|n| CStr::from_bytes_until_nul(n).ok())
                    .map(|n| {
                        OsStr::from_bytes(n.to_bytes())
                            .to_string_lossy()
                            .into_owned()
                    })
                    .unwrap_or_default();
                let dir = dir_path(mount_fd, handle)
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "?".into());
                path = if name.is_empty() || name == "." {
                    dir
                } else {
                    format!("{dir}/{name}")
                };
            }
            println!("{:<24} {path}", mask_names(mask));
        }
        off += event_len;
    }
    Ok(events)
}

fn main() -> Result<()> {
    let opts = parse_args()?;
    stop::install().context("sigaction")?;
    let dir =
        std::fs::canonicalize(&opts.dir).with_context(|| format!("{}", opts.dir.display()))?;

    let mut open_object = MaybeUninit::uninit();
    let mut open_skel = FanotifySubtreeSkelBuilder::default()
        .open(&mut open_object)
        .context("opening the BPF object")?;
    // Filter names are unique on the system: one per running tool.
    let name = format!("subtree_{}", std::process::id());
    let ops = open_skel.struct_ops.subtree_mut();
    ops.name = [0; FAN_FILTER_NAME_MAX];
    for (d, s) in ops.name.iter_mut().zip(name.bytes()) {
        *d = s as _;
    }
    let mut skel = open_skel.load().context(
        "loading the BPF filter (needs root, and a kernel with CONFIG_FANOTIFY_BPF_FILTER \
         and CONFIG_INODE_ADDONS)",
    )?;
    let _link = skel
        .maps
        .subtree
        .attach_struct_ops()
        .context("registering the fanotify filter")?;

    // Tag the tree's root: an inode storage map is keyed by an fd.
    let root = open_path(&dir, libc::O_RDONLY | libc::O_DIRECTORY)?;
    let tag = [0u8; 4]; // struct subtree_tag { depth: 0 }
    skel.maps
        .tags
        .update(&root.as_raw_fd().to_ne_bytes(), &tag, MapFlags::ANY)
        .with_context(|| format!("tagging {}", dir.display()))?;

    let group = fanotify_group(&dir, &name)?;
    eprintln!(
        "fanotify-subtree: watching {} (filter {name}, pid {}){}",
        dir.display(),
        std::process::id(),
        match opts.duration {
            Some(d) => format!(" for {}s", d.as_secs()),
            None => ", SIGINT or SIGTERM to stop".into(),
        }
    );

    let start = Instant::now();
    let mut received = 0;
    while !stop::requested() {
        let mut pfd = libc::pollfd {
            fd: group.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let n = unsafe { libc::poll(&mut pfd, 1, 200) };
        if n > 0 {
            received += read_events(&group, &root, opts.quiet)?;
        }
        if opts.duration.is_some_and(|d| start.elapsed() >= d) {
            break;
        }
    }
    // What is still queued counts as received.
    // SAFETY: plain fcntl on our fd.
    unsafe { libc::fcntl(group.as_raw_fd(), libc::F_SETFL, libc::O_NONBLOCK) };
    loop {
        let n = read_events(&group, &root, opts.quiet)?;
        if n == 0 {
            break;
        }
        received += n;
    }

    let c = skel
        .maps
        .bss_data
        .as_deref()
        .map(|b| b.counts)
        .context("no .bss in the BPF object")?;
    println!(
        "== fanotify-subtree: {received} events received; the filter delivered {}, dropped {} \
         in the kernel; {} entries tagged, {} untagged, {} tags not stored",
        c.delivered, c.dropped, c.tagged, c.untagged, c.tag_failures
    );
    Ok(())
}
