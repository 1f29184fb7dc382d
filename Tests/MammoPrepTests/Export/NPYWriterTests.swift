import Foundation
import Testing
@testable import MammoPrep

@Suite struct NPYWriterTests {
    @Test func headerIsVersion1AlignedTo64() {
        for shape in [[1, 160, 128], [3, 4096, 3328], [7], [2, 3]] {
            let header = NPYWriter.header(dtype: .float32, shape: shape)
            #expect(Array(header.prefix(6)) == [0x93] + Array("NUMPY".utf8))
            #expect(header[6] == 1 && header[7] == 0)
            let length = Int(header[8]) | Int(header[9]) << 8
            #expect(header.count == 10 + length)
            #expect(header.count % 64 == 0)
            #expect(header.last == UInt8(ascii: "\n"))
            let text = String(decoding: header[10...], as: UTF8.self)
            #expect(text.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': ("))
        }
        let one = String(decoding: NPYWriter.header(dtype: .int32, shape: [7])[10...], as: UTF8.self)
        #expect(one.contains("'shape': (7,)"))
        #expect(one.contains("'<i4'"))
    }

    @Test func writesDataAfterHeaderAtomically() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("x.npy").path
        let values: [Float] = [0, 0.5, 1, -2, 3.25, 1e-7]
        try NPYWriter.write(values, shape: [1, 2, 3], to: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let header = NPYWriter.header(dtype: .float32, shape: [1, 2, 3])
        #expect(Array(bytes.prefix(header.count)) == header)
        let body = bytes.dropFirst(header.count)
        let decoded = body.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(decoded == values)
        // Only the final file remains: no temporary names left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["x.npy"])
    }

    @Test func failedWriteLeavesNothing() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("y.npy").path
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try AtomicFile.write(to: path) { file in
                try file.write("partial")
                throw Boom()
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
