internal import CDCMTKShim
internal import CTIFF

// Inputs held in memory (a tar member, an object-store download): DICOM read by DCMTK from the
// buffer, TIFF by libtiff through client procedures over a copy of it; never a temporary file.

extension InputImage {
    /// `open` for a file held in memory (a tar member, an object-store download): DICOM through
    /// DCMTK reading from the buffer, TIFF through libtiff's client procedures, never a temporary
    /// file. `name` stands for the path in errors and records. The bytes need only live for the
    /// call (DICOM values are copied into the dataset, a TIFF's bytes into the instance). A
    /// truncated buffer throws `.truncated` like a truncated file.
    public static func open(bytes: UnsafeRawBufferPointer, name: String = "<memory>",
                            limits: ReadLimits = .standard) throws -> InputImage {
        let head = [UInt8](bytes.prefix(132))
        switch ImageFormat.detect(head: head) {
        case .dicom: return .dicom(try DICOMFile(detectedBytes: bytes, name: name, limits: limits))
        case .tiff: return .tiff(try TIFFFile(bytes: bytes, name: name, limits: limits))
        case nil:
            throw MammoPrepError(path: name, stage: .read, code: .notDICOM,
                                 detail: "no DICM prefix, no DICOM dataset and no TIFF header at the start of the file")
        }
    }
}

extension DICOMFile {
    /// A DICOM file held in memory, recognised by `ImageFormat.detect(head:)`; `name` stands for
    /// its path in errors and records. Every value is copied into the dataset during the call.
    convenience init(detectedBytes bytes: UnsafeRawBufferPointer, name: String, limits: ReadLimits) throws {
        try self.init(name: name, limits: limits) { opened, message, capacity in
            CDCMTKShim_openMemory(bytes.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) }, bytes.count,
                                  &opened, message, capacity)
        }
    }
}

extension TIFFFile {
    /// A TIFF file held in memory; `name` stands for its path in errors and records. The bytes
    /// are copied (libtiff reads pages on demand, after the call returns).
    package convenience init(bytes: UnsafeRawBufferPointer, name: String, limits: ReadLimits = .standard) throws {
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        if let base = bytes.baseAddress { copy.baseAddress!.copyMemory(from: base, byteCount: bytes.count) }
        let memory = UnsafeMutablePointer<CTIFF_Memory>.allocate(capacity: 1)
        memory.initialize(to: CTIFF_Memory(bytes: UnsafePointer(copy.baseAddress!.assumingMemoryBound(to: UInt8.self)),
                                           length: UInt64(bytes.count), offset: 0))
        try self.init(name: name, memory: memory, limits: limits) { CTIFF_openMemory(name, memory, $0, $1) }
    }

    /// Frees what `init(bytes:…)` allocated (nil: a file on disk).
    static func release(_ memory: UnsafeMutablePointer<CTIFF_Memory>?) {
        guard let memory else { return }
        UnsafeMutableRawPointer(mutating: memory.pointee.bytes)?.deallocate()
        memory.deallocate()
    }
}
