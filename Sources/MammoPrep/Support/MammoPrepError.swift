/// The one error type of the library: which file, which stage, which rule was broken.
///
/// `description` is a single line, `PATH: STAGE: REASON (detail)`, and never contains attribute
/// values: no patient name, ID or birth date can reach a message (only numbers, UIDs of transfer
/// syntaxes and tag numbers appear in details).
public struct MammoPrepError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Pipeline stage that failed (docs/design.md §5).
    public enum Stage: String, Sendable, Codable {
        case read, decode, window, write
    }

    /// Why. `rawValue` is a stable code (used in JSON output and tests).
    public enum Code: String, Sendable, Codable, CaseIterable {
        /// Neither DICOM nor TIFF, judged by content.
        case notDICOM
        /// The file ends inside an element, a strip or a fragment.
        case truncated
        /// No (7FE0,0010) Pixel Data.
        case noPixelData
        /// Colour data (RGB, YBR_*, PALETTE COLOR, or more than one sample per pixel).
        case colour
        /// Bits Allocated / BitsPerSample / SampleFormat the tool does not handle (1-bit, 32-bit integer, …).
        case unsupportedBits
        /// Native pixel data shorter than Rows × Columns × Frames × bytes, or no fragments.
        case shortPixelData
        /// Dimensions beyond the configured bounds; refused before allocating.
        case absurdDimensions
        /// A codec rejected the compressed data.
        case corruptStream
        /// No decoder for the transfer syntax (or TIFF compression scheme).
        case unsupportedTransferSyntax
        /// The VOI the options demand (VOI source lut or window, an explicit window) is absent or invalid.
        case voiUnavailable
        /// Float samples outside 0…1 (or NaN) without `WindowingOptions.clip`.
        case outOfRange
        /// The output folder holds another configuration's outputs (or foreign files).
        case configurationMismatch
        /// Parts or files that cannot be combined with each other (stats merge, --stats).
        case incompatible
        /// Two inputs would write the same output name.
        case nameCollision
        /// An attribute has a value the rules forbid (e.g. High Bit < Bits Stored − 1).
        case invalidAttribute
        /// The operating system refused a read or a write.
        case io
        /// A caller-supplied buffer cannot hold the result.
        case bufferTooSmall
        /// A bug: please report it.
        case internalError
    }

    /// An option of the caller that would get past the error. The library names it in its own
    /// words (`Remedy.text`); a front end names it in its own (the CLI: its flag).
    public enum Remedy: String, Sendable, Codable, CaseIterable {
        /// Replace the outputs of another configuration (`ConvertOptions.overwrite`).
        case overwrite
        /// Clamp float samples outside 0…1 (`WindowingOptions.clip`).
        case clip
        /// Choose one frame of a multi-frame input (`ConvertOptions.frame`).
        case selectFrame

        /// The library's wording: what to set, and what it does.
        public var text: String {
            switch self {
            case .overwrite: return "set overwrite to replace its outputs"
            case .clip: return "set clip to clamp them"
            case .selectFrame: return "select one frame"
            }
        }
    }

    public var path: String
    public var stage: Stage
    public var code: Code
    public var detail: String
    public var remedy: Remedy?
    /// For a `.noPixelData` object of a non-image SOP Class (SR, KO, DICOMDIR, …): its short
    /// name; batch commands skip such objects instead of failing them (Ingest/SOPClass.swift).
    public package(set) var nonImageClass: String?

    public init(path: String, stage: Stage, code: Code, detail: String, remedy: Remedy? = nil) {
        self.path = path
        self.stage = stage
        self.code = code
        self.detail = detail
        self.remedy = remedy
    }

    /// Human wording of the code, the part before the parenthesised detail.
    public var reason: String {
        switch code {
        case .notDICOM: return "not a DICOM or TIFF file"
        case .truncated: return "truncated file"
        case .noPixelData: return "no pixel data"
        case .colour: return "colour image, only grayscale is supported"
        case .unsupportedBits: return "unsupported sample format"
        case .shortPixelData: return "pixel data shorter than the image needs"
        case .absurdDimensions: return "image dimensions beyond the configured limits"
        case .corruptStream: return "corrupt compressed data"
        case .unsupportedTransferSyntax: return "unsupported transfer syntax"
        case .voiUnavailable: return "requested VOI transform not available"
        case .outOfRange: return "sample values outside 0…1"
        case .nameCollision: return "output name collision"
        case .incompatible: return "cannot be combined"
        case .configurationMismatch: return "output folder holds a different configuration"
        case .invalidAttribute: return "invalid attribute"
        case .io: return "I/O error"
        case .bufferTooSmall: return "buffer too small"
        case .internalError: return "internal error"
        }
    }

    public var description: String { description(remedy: \.text) }

    /// `description`, with the remedy (if any) worded by `remedyText`.
    public func description(remedy remedyText: (Remedy) -> String) -> String {
        var detail = self.detail
        if let remedy { detail += (detail.isEmpty ? "" : "; ") + remedyText(remedy) }
        let line = "\(path): \(stage.rawValue): \(reason)" + (detail.isEmpty ? "" : " (\(detail))")
        // One line, whatever a codec's message contained.
        return line.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
