import Testing
@testable import MammoPrep

@Suite struct JSONValueTests {
    @Test func keepsKeyOrderAndEscapes() {
        let v = JSONValue.object([("b", .int(1)), ("a", .string("q\"\\\n\u{1}é")), ("n", .null),
                                  ("d", .double(0.1)), ("w", .double(2048)), ("x", .double(.nan)),
                                  ("l", .array([.bool(true), .bool(false)]))])
        #expect(v.serialized() == #"{"b": 1, "a": "q\"\\\n\u0001é", "n": null, "d": 0.1, "w": 2048.0, "x": null, "l": [true, false]}"#)
    }
}
