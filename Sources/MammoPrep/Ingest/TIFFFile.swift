internal import CTIFF

/// One page (image file directory) of a TIFF file, as the ingest stage sees it.
package struct TIFFPage: Sendable, Equatable {
    package enum SampleFormat: String, Sendable { case uint, int, float }
    package enum Photometric: String, Sendable { case minIsBlack = "MinIsBlack", minIsWhite = "MinIsWhite" }

    package var rows: Int
    package var columns: Int
    package var bitsPerSample: Int
    package var sampleFormat: SampleFormat
    package var photometric: Photometric
    /// TIFF Compression tag value (1 none, 5 LZW, 8/32946 Deflate, 32773 PackBits, …).
    package var compression: Int
    package var isTiled: Bool
}

/// 32-bit float samples (TIFF SampleFormat 3), row-major.
package struct FloatFrame: Sendable, Equatable {
    package let rows: Int
    package let columns: Int
    package var values: [Float]

    package init(rows: Int, columns: Int, values: [Float]) {
        precondition(values.count == rows * columns)
        self.rows = rows
        self.columns = columns
        self.values = values
    }
}

/// A decoded frame: integer stored values (DICOM, integer TIFF) or float samples (float TIFF).
package enum DecodedFrame: Sendable, Equatable {
    case integer(StoredFrame)
    case float(FloatFrame)

    package var rows: Int {
        switch self { case .integer(let f): return f.rows; case .float(let f): return f.rows }
    }
    package var columns: Int {
        switch self { case .integer(let f): return f.columns; case .float(let f): return f.columns }
    }
}

/// A grayscale TIFF read through libtiff: 8/16-bit unsigned or 32-bit float samples, MinIsBlack or
/// MinIsWhite, strips or tiles, any compression libtiff was built with, classic or BigTIFF; each
/// page is a frame. Not thread-safe: one instance per thread.
public final class TIFFFile {
    public let path: String
    package let pages: [TIFFPage]
    package let isBigTIFF: Bool
    private let tiff: OpaquePointer
    private let sink: UnsafeMutablePointer<CTIFF_ErrorSink>
    /// A file in memory: its bytes (a copy the instance owns) and libtiff's read position.
    private let memory: UnsafeMutablePointer<CTIFF_Memory>?

    deinit {
        TIFFClose(tiff)
        sink.deallocate()
        TIFFFile.release(memory)
    }

    package convenience init(path: String, limits: ReadLimits = .standard) throws {
        try self.init(name: path, memory: nil, limits: limits) { CTIFF_open(path, $0, $1) }
    }

    /// Opens with `open` (a path, or bytes in `memory`, which the instance then owns and releases:
    /// InMemoryInput.swift); `path` names the input.
    init(name path: String, memory: UnsafeMutablePointer<CTIFF_Memory>?, limits: ReadLimits,
                 open: (UnsafeMutablePointer<CTIFF_ErrorSink>, Int64) -> OpaquePointer?) throws {
        self.path = path
        let sink = UnsafeMutablePointer<CTIFF_ErrorSink>.allocate(capacity: 1)
        sink.initialize(to: CTIFF_ErrorSink())
        // libtiff's own ceiling: a little above the largest frame we would accept.
        let ceiling = Int64(min(limits.maxFramePixels, Int(Int32.max)) * 4 + (1 << 20))
        guard let tiff = open(sink, ceiling) else {
            let message = TIFFFile.message(sink)
            sink.deallocate()
            TIFFFile.release(memory)
            throw MammoPrepError(path: path, stage: .read, code: TIFFFile.classify(message, opening: true),
                                 detail: message.isEmpty ? "libtiff cannot open the file" : message)
        }
        self.tiff = tiff
        self.sink = sink
        self.memory = memory
        self.isBigTIFF = TIFFIsBigTIFF(tiff) != 0
        var pages: [TIFFPage] = []
        do {
            let count = Int(TIFFNumberOfDirectories(tiff))
            for index in 0..<max(count, 1) {
                guard TIFFSetDirectory(tiff, tdir_t(index)) != 0 else {
                    throw MammoPrepError(path: path, stage: .read, code: .truncated,
                                         detail: "page \(index): \(TIFFFile.message(sink))")
                }
                pages.append(try TIFFFile.page(tiff, index: index, path: path, limits: limits))
            }
            try limits.check(rows: pages[0].rows, columns: pages[0].columns, frames: pages.count, path: path)
        } catch {
            TIFFClose(tiff)
            sink.deallocate()
            TIFFFile.release(memory)
            throw error
        }
        self.pages = pages
    }

    public var frameCount: Int { pages.count }

    /// Decodes page `index`: integer pages as unmasked unsigned values (Bits Stored = BitsPerSample:
    /// 12-bit data in 16-bit samples is returned as is), float pages as floats. Byte order is
    /// handled by libtiff.
    package func readFrame(_ index: Int) throws -> DecodedFrame {
        guard index >= 0, index < pages.count else {
            throw MammoPrepError(path: path, stage: .decode, code: .shortPixelData,
                                 detail: "page \(index) requested, the file has \(pages.count)")
        }
        let page = pages[index]
        guard TIFFSetDirectory(tiff, tdir_t(index)) != 0 else {
            throw decodeError("page \(index): cannot select the directory")
        }
        let bytesPerSample = page.bitsPerSample / 8
        var bytes = [UInt8](repeating: 0, count: page.rows * page.columns * bytesPerSample)
        try bytes.withUnsafeMutableBytes { out in
            if page.isTiled { try readTiles(page, into: out, bytesPerSample: bytesPerSample) }
            else { try readStrips(page, into: out, bytesPerSample: bytesPerSample) }
        }
        switch (page.sampleFormat, page.bitsPerSample) {
        case (.float, _):
            let values = bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            return .float(FloatFrame(rows: page.rows, columns: page.columns, values: values))
        case (_, 8):
            return .integer(StoredFrame(rows: page.rows, columns: page.columns, bitsStored: 8, isSigned: false,
                                        words: bytes.map { UInt16($0) }))
        default:
            let words = bytes.withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }
            return .integer(StoredFrame(rows: page.rows, columns: page.columns, bitsStored: 16, isSigned: false,
                                        words: words))
        }
    }

    private func readStrips(_ page: TIFFPage, into out: UnsafeMutableRawBufferPointer, bytesPerSample: Int) throws {
        let rowBytes = page.columns * bytesPerSample
        var rowsPerStrip: UInt32 = 0
        if CTIFF_getUInt32(tiff, UInt32(TIFFTAG_ROWSPERSTRIP), &rowsPerStrip) == 0 || rowsPerStrip == 0 {
            rowsPerStrip = UInt32(page.rows)
        }
        let perStrip = min(Int(rowsPerStrip), page.rows)
        let strips = Int(TIFFNumberOfStrips(tiff))
        var buffer = [UInt8](repeating: 0, count: max(Int(TIFFStripSize(tiff)), perStrip * rowBytes))
        for strip in 0..<strips {
            let firstRow = strip * perStrip
            guard firstRow < page.rows else { break }
            let got = buffer.withUnsafeMutableBytes { TIFFReadEncodedStrip(tiff, UInt32(strip), $0.baseAddress, tmsize_t($0.count)) }
            let rowsHere = min(perStrip, page.rows - firstRow)
            guard got >= rowsHere * rowBytes else {
                throw decodeError("strip \(strip): \(TIFFFile.message(sink))")
            }
            buffer.withUnsafeBytes { src in
                out.baseAddress!.advanced(by: firstRow * rowBytes)
                    .copyMemory(from: src.baseAddress!, byteCount: rowsHere * rowBytes)
            }
        }
    }

    private func readTiles(_ page: TIFFPage, into out: UnsafeMutableRawBufferPointer, bytesPerSample: Int) throws {
        var tileWidth: UInt32 = 0, tileLength: UInt32 = 0
        _ = CTIFF_getUInt32(tiff, UInt32(TIFFTAG_TILEWIDTH), &tileWidth)
        _ = CTIFF_getUInt32(tiff, UInt32(TIFFTAG_TILELENGTH), &tileLength)
        guard tileWidth > 0, tileLength > 0 else { throw decodeError("tile size missing") }
        let tw = Int(tileWidth), tl = Int(tileLength)
        let rowBytes = page.columns * bytesPerSample
        var buffer = [UInt8](repeating: 0, count: max(Int(TIFFTileSize(tiff)), tw * tl * bytesPerSample))
        for y in stride(from: 0, to: page.rows, by: tl) {
            for x in stride(from: 0, to: page.columns, by: tw) {
                let tile = TIFFComputeTile(tiff, UInt32(x), UInt32(y), 0, 0)
                let got = buffer.withUnsafeMutableBytes { TIFFReadEncodedTile(tiff, tile, $0.baseAddress, tmsize_t($0.count)) }
                guard got >= tw * tl * bytesPerSample else {
                    throw decodeError("tile \(tile): \(TIFFFile.message(sink))")
                }
                let width = min(tw, page.columns - x) * bytesPerSample
                buffer.withUnsafeBytes { src in
                    for row in 0..<min(tl, page.rows - y) {
                        out.baseAddress!.advanced(by: (y + row) * rowBytes + x * bytesPerSample)
                            .copyMemory(from: src.baseAddress!.advanced(by: row * tw * bytesPerSample), byteCount: width)
                    }
                }
            }
        }
    }

    private func decodeError(_ detail: String) -> MammoPrepError {
        MammoPrepError(path: path, stage: .decode, code: TIFFFile.classify(detail, opening: false), detail: detail)
    }

    private static func message(_ sink: UnsafeMutablePointer<CTIFF_ErrorSink>) -> String {
        withUnsafeBytes(of: &sink.pointee.message) { String(cBuffer: $0) }
    }

    /// libtiff reports a short file as read or seek errors; everything else it rejects is corrupt.
    private static func classify(_ message: String, opening: Bool) -> MammoPrepError.Code {
        let m = message.lowercased()
        if m.contains("read error") || m.contains("seek error") || m.contains("cannot read") ||
            m.contains("past end") || m.contains("end of file") || m.contains("unexpected eof") {
            return .truncated
        }
        return opening ? .truncated : .corruptStream
    }

    private static func page(_ tiff: OpaquePointer, index: Int, path: String, limits: ReadLimits) throws -> TIFFPage {
        func fail(_ code: MammoPrepError.Code, _ detail: String) -> MammoPrepError {
            MammoPrepError(path: path, stage: .read, code: code, detail: "page \(index): \(detail)")
        }
        var width: UInt32 = 0, length: UInt32 = 0
        guard CTIFF_getUInt32(tiff, UInt32(TIFFTAG_IMAGEWIDTH), &width) != 0,
              CTIFF_getUInt32(tiff, UInt32(TIFFTAG_IMAGELENGTH), &length) != 0, width > 0, length > 0 else {
            throw fail(.invalidAttribute, "ImageWidth/ImageLength missing or zero")
        }
        try limits.check(rows: Int(length), columns: Int(width), frames: 1, path: path)
        var bits: UInt16 = 1, samples: UInt16 = 1, format: UInt16 = 1, photometric: UInt16 = 1, compression: UInt16 = 1
        _ = CTIFF_getUInt16Defaulted(tiff, UInt32(TIFFTAG_BITSPERSAMPLE), &bits)
        _ = CTIFF_getUInt16Defaulted(tiff, UInt32(TIFFTAG_SAMPLESPERPIXEL), &samples)
        _ = CTIFF_getUInt16Defaulted(tiff, UInt32(TIFFTAG_SAMPLEFORMAT), &format)
        _ = CTIFF_getUInt16Defaulted(tiff, UInt32(TIFFTAG_COMPRESSION), &compression)
        if CTIFF_getUInt16(tiff, UInt32(TIFFTAG_PHOTOMETRIC), &photometric) == 0 {
            photometric = samples == 1 ? UInt16(PHOTOMETRIC_MINISBLACK) : UInt16(PHOTOMETRIC_RGB)
        }
        let photometricName: TIFFPage.Photometric
        switch Int32(photometric) {
        case PHOTOMETRIC_MINISBLACK where samples == 1: photometricName = .minIsBlack
        case PHOTOMETRIC_MINISWHITE where samples == 1: photometricName = .minIsWhite
        default:
            let names: [Int32: String] = [PHOTOMETRIC_RGB: "RGB", PHOTOMETRIC_PALETTE: "Palette",
                                          PHOTOMETRIC_YCBCR: "YCbCr", PHOTOMETRIC_SEPARATED: "Separated (CMYK)"]
            throw fail(.colour, "Photometric \(names[Int32(photometric)] ?? String(photometric)), SamplesPerPixel \(samples)")
        }
        let sampleFormat: TIFFPage.SampleFormat
        switch (Int32(format), bits) {
        case (SAMPLEFORMAT_UINT, 8), (SAMPLEFORMAT_UINT, 16): sampleFormat = .uint
        case (SAMPLEFORMAT_IEEEFP, 32): sampleFormat = .float
        case (SAMPLEFORMAT_INT, _):
            throw fail(.unsupportedBits, "signed \(bits)-bit integer samples; only unsigned 8/16-bit and 32-bit float are supported")
        default:
            throw fail(.unsupportedBits, "\(bits)-bit \(format == 3 ? "float" : "integer") samples; only unsigned 8/16-bit and 32-bit float are supported")
        }
        guard TIFFIsCODECConfigured(compression) != 0 else {
            throw fail(.unsupportedTransferSyntax, "TIFF compression \(compression) has no decoder in this libtiff")
        }
        return TIFFPage(rows: Int(length), columns: Int(width), bitsPerSample: Int(bits), sampleFormat: sampleFormat,
                        photometric: photometricName, compression: Int(compression), isTiled: TIFFIsTiled(tiff) != 0)
    }

    /// libtiff's version line, for manifests.
    package static var libraryVersion: String { String(cString: CTIFF_version()).split(separator: "\n").first.map(String.init) ?? "" }
}
