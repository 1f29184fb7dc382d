// swift-tools-version:6.0
//
// mammo-prep: 12/16-bit mammograms (DICOM, TIFF) → the tensors a pretrained PyTorch model expects.
// Layout follows docs/design.md §1 and docs/architecture.md: Ingest → Window → Stats → Adapt → Export.
import PackageDescription

let package = Package(
    name: "mammo-prep",
    products: [
        .library(name: "MammoPrep", targets: ["MammoPrep"]),
        .executable(name: "mammo-prep", targets: ["mammo-prep"]),
        /// libmammo_prep.so: the C ABI (Sources/MammoPrepC/include/mammo_prep.h; docs/python.md).
        .library(name: "mammo_prep", type: .dynamic, targets: ["MammoPrepC"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // MARK: - Public API

        /// The library: stages as folders (Ingest/, Window/, Stats/, Adapt/, Export/, Pipeline/).
        .target(
            name: "MammoPrep",
            dependencies: ["CDCMTKShim", "CTIFF", "CPNG"],
            // The model presets, compiled into the binary (no bundle lookup at run time).
            resources: [.embedInCode("Adapt/model-presets.json")]
        ),
        /// Commands and option groups; a library so that tests can drive it.
        .target(
            name: "MammoPrepCLI",
            dependencies: [
                "MammoPrep",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        /// The executable: an entry point only.
        .executableTarget(name: "mammo-prep", dependencies: ["MammoPrepCLI"]),
        /// The C ABI: `@_cdecl` entry points declared by include/mammo_prep.h (pure C; no Swift or
        /// C++ type or error crosses it). Options are parsed by MammoPrepCLI's commands.
        .target(
            name: "MammoPrepC",
            dependencies: ["MammoPrep", "MammoPrepCLI", "CMammoPrepABI"],
            exclude: ["include"]
        ),
        /// Benchmark binary for bench/stats.sh (the stats kernels on a synthetic frame) and its
        /// `decode` subcommand (one file's frame with chosen backends, bench/README.md); not a
        /// product: `swift build -c release --product mammo-prep-bench` builds it in this package only.
        .executableTarget(
            name: "mammo-prep-bench",
            dependencies: ["MammoPrep", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // MARK: - Implementation details

        /// C++ over DCMTK (and OpenJPEG for JPEG 2000 / HTJ2K frames, OpenJPH for HTJ2K, CharLS for
        /// JPEG-LS) behind a pure C header. Links only the DCMTK libraries it uses: Debian's dcmtk.pc
        /// is unusable here (it lists ~25 libraries and `Requires.private: sndfile`). Debian's
        /// openjph.pc is empty: libopenjph is linked by name, its headers found as <openjph/…> in the
        /// default include path. CharLS 2 (<charls/charls.h>, libcharls-dev) is deliberately NOT
        /// linked: it exports JpegLsDecode / JpegLsReadHeader, the names DCMTK's JPEG-LS codec calls
        /// in its own CharLS 1.x, and linked it would take those calls over. codec_charls.cpp loads
        /// it with dlopen instead.
        .target(
            name: "CDCMTKShim",
            dependencies: ["COpenJPEG"],
            linkerSettings: [
                .linkedLibrary("dcmjpls"), .linkedLibrary("dcmjpeg"), .linkedLibrary("dcmimgle"),
                .linkedLibrary("dcmdata"), .linkedLibrary("oflog"), .linkedLibrary("ofstd"),
                .linkedLibrary("dl"),
                .linkedLibrary("openjph"),
            ]
        ),
        .systemLibrary(name: "COpenJPEG", pkgConfig: "libopenjp2", providers: [.apt(["libopenjp2-7-dev"])]),
        .systemLibrary(name: "CTIFF", pkgConfig: "libtiff-4", providers: [.apt(["libtiff-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        /// MammoPrepC's header as a module (no library of its own): MammoPrepC's C types, and the
        /// declarations MammoPrepCTests call, as a C caller would.
        .systemLibrary(name: "CMammoPrepABI"),

        // MARK: - Tests

        .testTarget(name: "MammoPrepTests", dependencies: ["MammoPrep"]),
        .testTarget(
            name: "MammoPrepCLITests",
            dependencies: ["MammoPrepCLI", "MammoPrep"],
            // Read from the source tree by HelpSnapshotTests (and rewritten there on RECORD_SNAPSHOTS=1).
            exclude: ["Snapshots"]
        ),
        /// The C ABI called through its header.
        .testTarget(name: "MammoPrepCTests", dependencies: ["MammoPrepC", "CMammoPrepABI", "MammoPrepCLI", "MammoPrep"]),
        /// README's library example, compiled against the public API only (no @testable).
        .testTarget(name: "LibraryExampleTests", dependencies: ["MammoPrep"]),
    ],
    cxxLanguageStandard: .cxx17
)
