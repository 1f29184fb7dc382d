import Foundation
import Testing
@testable import MammoPrep

/// Ingestion of every bundled fixture through the library API. The pydicom/tifffile comparison of
/// the same files runs in Tests/oracle; this suite checks the API's own promises.
@Suite struct FixtureIngestTests {
    static func decodeAll(_ path: String) throws -> [DecodedFrame] {
        let image = try InputImage.open(path: path)
        return try (0..<image.frameCount).map { try image.readFrame($0) }
    }

    static func integers(_ frames: [DecodedFrame]) -> [Int32] {
        frames.flatMap { frame -> [Int32] in
            guard case .integer(let f) = frame else { return [] }
            return f.values()
        }
    }

    @Test(arguments: Fixtures.good)
    func opensWithDeclaredGeometry(entry: Fixtures.Entry) throws {
        let image = try InputImage.open(path: entry.url.path)
        #expect(image.format.rawValue == entry.format)
        #expect(image.frameCount == entry.frames)
        let frames = try Self.decodeAll(entry.url.path)
        for frame in frames {
            #expect(frame.rows == entry.rows && frame.columns == entry.columns)
        }
        if case .dicom(let file) = image {
            let a = file.attributes
            #expect(a.bitsAllocated == entry.bitsAllocated)
            #expect(a.bitsStored == entry.bitsStored)
            #expect(a.highBit == entry.highBit)
            #expect(a.pixelRepresentation == entry.pixelRepresentation)
            #expect(a.photometricInterpretation == entry.photometricInterpretation)
            #expect(a.transferSyntaxUID == entry.transferSyntaxUID)
            // Every value lies within what Bits Stored / Pixel Representation allow.
            for frame in frames {
                guard case .integer(let f) = frame else { Issue.record("DICOM frame not integer"); continue }
                let range = f.representableRange
                #expect(f.values().allSatisfy { range.contains($0) })
            }
        }
    }

    /// Every lossless syntax of one image decodes to identical stored values; lossy ones stay within
    /// the tolerance the manifest states (measured by the generator with pydicom).
    @Test(arguments: Fixtures.good.filter { $0.reference != nil && $0.reference != $0.path })
    func sameImageInEverySyntax(entry: Fixtures.Entry) throws {
        let reference = try #require(Fixtures.entry(entry.reference!))
        let got = Self.integers(try Self.decodeAll(entry.url.path))
        let want = Self.integers(try Self.decodeAll(reference.url.path))
        try #require(got.count == want.count && !got.isEmpty)
        let worst = zip(got, want).map { abs(Int($0) - Int($1)) }.max() ?? 0
        #expect(worst <= (entry.maxAbsError ?? 0), "\(entry.path) vs \(reference.path): max |diff| \(worst)")
    }

    /// The masking fixtures hold every code of their depth exactly once, with garbage above Bits Stored.
    @Test(arguments: Fixtures.good.filter { $0.allCodes == true })
    func everyCodeOnce(entry: Fixtures.Entry) throws {
        let values = Self.integers(try Self.decodeAll(entry.url.path)).sorted()
        let bits = try #require(entry.bitsStored)
        let low: Int32 = entry.pixelRepresentation == 1 ? -(1 << (bits - 1)) : 0
        #expect(values == Array(low..<(low + (1 << bits))))
    }

    @Test(arguments: Fixtures.bad)
    func badInputIsRefusedWithItsReason(entry: Fixtures.Entry) throws {
        do {
            _ = try Self.decodeAll(entry.url.path)
            Issue.record("\(entry.path) was accepted")
        } catch let error as MammoPrepError {
            #expect(error.code.rawValue == entry.expectError, "\(error)")
            #expect(error.path == entry.url.path)
            #expect(!error.description.contains("\n"))
            for marker in ["FIXTURE^SYNTHETIC", "FIX-0001", "19700101"] {
                #expect(!error.description.contains(marker))
            }
        }
    }

    @Test func absurdDimensionsRefusedBeforeAllocating() throws {
        // Tight limits turn an ordinary fixture into an absurd one: the refusal comes from the header.
        let entry = try #require(Fixtures.entry("dicom/mg12_mono2_explicit_le.dcm"))
        #expect(throws: MammoPrepError.self) {
            _ = try DICOMFile(path: entry.url.path, limits: ReadLimits(maxFramePixels: 100, maxTotalPixels: 1000))
        }
        do {
            _ = try DICOMFile(path: entry.url.path, limits: ReadLimits(maxFramePixels: 1 << 20, maxTotalPixels: 100))
            Issue.record("a total pixel limit of 100 was not enforced")
        } catch let error as MammoPrepError {
            #expect(error.code == .absurdDimensions)
        } catch {
            Issue.record("expected a MammoPrepError, got \(error)")
        }
    }

    @Test func frameIndexOutOfRangeIsAnError() throws {
        let entry = try #require(Fixtures.entry("dicom/mg12_mono2_explicit_le.dcm"))
        let file = try DICOMFile(path: entry.url.path)
        #expect(throws: MammoPrepError.self) { _ = try file.readFrame(1) }
        #expect(throws: MammoPrepError.self) { _ = try file.readFrame(-1) }
    }

    /// Frames of a multi-frame object decode independently and in any order.
    @Test func framesDecodeInAnyOrder() throws {
        for entry in Fixtures.good where (entry.frames ?? 1) > 1 && entry.format == "dicom" {
            let file = try DICOMFile(path: entry.url.path)
            let forward = try (0..<file.frameCount).map { try file.readFrame($0) }
            let reopened = try DICOMFile(path: entry.url.path)
            for index in (0..<reopened.frameCount).reversed() {
                #expect(try reopened.readFrame(index) == forward[index], "\(entry.path) frame \(index)")
            }
        }
    }
}
