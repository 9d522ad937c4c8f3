// SPDX-License-Identifier: GPL-2.0
//
// The build script of every tool here (each Cargo.toml says
// build = "../skel_build.rs"): compiles the tool's src/bpf/NAME.bpf.c, NAME
// being the package name with '_' for '-', and generates its Rust skeleton,
// NAME.skel.rs in OUT_DIR.
//
// The kernel's types come from a vmlinux.h generated at build time from the
// kernel the tool will run on, and never committed:
//
//     bpftool btf dump file VMLINUX format c > $BUILD_DIR/vmlinux.h
//     VMLINUX_H=$BUILD_DIR/vmlinux.h cargo build
//
// (build.sh next to this file does both).  CLANG overrides the compiler
// (default: clang-19 if installed, else clang).

use std::env;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

use libbpf_cargo::SkeletonBuilder;

fn clang() -> String {
    if let Ok(c) = env::var("CLANG") {
        return c;
    }
    let have = |c: &str| Command::new(c).arg("--version").output().is_ok();
    if have("clang-19") {
        "clang-19".into()
    } else {
        "clang".into()
    }
}

fn main() {
    let name = env::var("CARGO_PKG_NAME")
        .expect("CARGO_PKG_NAME")
        .replace('-', "_");
    let src = format!("src/bpf/{name}.bpf.c");
    println!("cargo:rerun-if-env-changed=VMLINUX_H");
    println!("cargo:rerun-if-env-changed=CLANG");
    // The program and the headers next to it.
    println!("cargo:rerun-if-changed=src/bpf");

    let vmlinux_h = env::var("VMLINUX_H").unwrap_or_else(|_| {
        panic!(
            "VMLINUX_H is not set: point it at a vmlinux.h of the target kernel, made with\n\
             \tbpftool btf dump file VMLINUX format c > vmlinux.h\n\
             (samples/inode_addons/build.sh does it)"
        )
    });
    println!("cargo:rerun-if-changed={vmlinux_h}");

    // The header must be called vmlinux.h: copy it next to the outputs.
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    let inc = out.join("include");
    fs::create_dir_all(&inc).expect("create OUT_DIR/include");
    fs::copy(&vmlinux_h, inc.join("vmlinux.h"))
        .unwrap_or_else(|e| panic!("cannot read VMLINUX_H={vmlinux_h}: {e}"));

    let skel = out.join(format!("{name}.skel.rs"));
    SkeletonBuilder::new()
        .source(&src)
        .clang(clang())
        .clang_args([
            "-I".into(),
            inc.into_os_string(),
            "-Isrc/bpf".into(),
            "-mcpu=v3".into(),
            "-Wall".into(),
            // 7.x builds the kernel with -fms-extensions; its BTF has
            // anonymous members of named struct types ("struct foo;" in
            // vmlinux.h) that clang drops without it.
            "-fms-extensions".into(),
            "-Wno-microsoft-anon-tag".into(),
            // A newer bpftool adds kfunc prototypes to vmlinux.h under this
            // guard; the program uses none.
            "-DBPF_NO_KFUNC_PROTOTYPES".into(),
        ])
        .build_and_generate(&skel)
        .expect("building the BPF object or its skeleton failed");
}
