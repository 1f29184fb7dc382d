import Testing
@testable import MammoPrep

@Suite struct FormatDetectionTests {
    @Test func recognisesByContent() {
        var part10 = [UInt8](repeating: 0, count: 128) + Array("DICM".utf8)
        #expect(ImageFormat.detect(head: part10) == .dicom)
        part10[130] = 0
        #expect(ImageFormat.detect(head: part10) == nil)
        #expect(ImageFormat.detect(head: [0x08, 0x00, 0x05, 0x00, 0x43, 0x53, 0x0A, 0x00]) == .dicom) // (0008,0005) LE
        #expect(ImageFormat.detect(head: [0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0]) == .tiff)
        #expect(ImageFormat.detect(head: [0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8]) == .tiff)
        #expect(ImageFormat.detect(head: [0x49, 0x49, 0x2B, 0x00, 8, 0, 0, 0]) == .tiff) // BigTIFF
        #expect(ImageFormat.detect(head: Array("hello, world, not an image".utf8)) == nil)
        #expect(ImageFormat.detect(head: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) == nil) // PNG
        #expect(ImageFormat.detect(head: []) == nil)
    }

    @Test func errorsAreOneLineAndNamePathAndStage() {
        let e = MammoPrepError(path: "a/b.dcm", stage: .decode, code: .corruptStream, detail: "line one\nline two")
        #expect(e.description == "a/b.dcm: decode: corrupt compressed data (line one line two)")
        #expect(!e.description.contains("\n"))
    }
}
