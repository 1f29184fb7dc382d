/// SOP Classes whose objects are not images (PS3.4 Annex B, PS3.6 Annex A): an archive export holds
/// them next to the images (DICOMDIR, dose reports, key objects, presentation states). A batch
/// command skips such an object *without Pixel Data* as "not an image", by class; an image class
/// without Pixel Data stays a failure (`.noPixelData`), and so does an unknown class.
package enum SOPClass {
    /// (UID or UID prefix ending in ".", short name). Exact UIDs are checked before prefixes.
    private static let nonImage: [(uid: String, name: String)] = [
        ("1.2.840.10008.1.3.10", "DICOMDIR"),                          // Media Storage Directory Storage
        ("1.2.840.10008.5.1.4.1.1.88.59", "KO"),                       // Key Object Selection Document
        ("1.2.840.10008.5.1.4.1.1.88.", "SR"),                         // Structured Reports (incl. dose SR)
        ("1.2.840.10008.5.1.4.1.1.11.", "PR"),                         // Presentation States
        ("1.2.840.10008.5.1.4.1.1.104.", "encapsulated document"),     // PDF, CDA, STL, OBJ, MTL
        ("1.2.840.10008.5.1.4.1.1.66", "raw data"),                    // Raw Data Storage
        ("1.2.840.10008.5.1.4.1.1.66.1", "registration"),              // Spatial Registration
        ("1.2.840.10008.5.1.4.1.1.66.2", "fiducials"),                 // Spatial Fiducials
        ("1.2.840.10008.5.1.4.1.1.66.3", "registration"),              // Deformable Spatial Registration
        ("1.2.840.10008.5.1.4.1.1.66.5", "surface segmentation"),
        ("1.2.840.10008.5.1.4.1.1.67", "real world value mapping"),
        ("1.2.840.10008.5.1.4.1.1.9.", "waveform"),                    // ECG, audio, … waveforms
        ("1.2.840.10008.5.1.4.1.1.481.2", "RT"),                       // RT Dose, Structure Set, Plans, …
        ("1.2.840.10008.5.1.4.1.1.481.3", "RT"), ("1.2.840.10008.5.1.4.1.1.481.4", "RT"),
        ("1.2.840.10008.5.1.4.1.1.481.5", "RT"), ("1.2.840.10008.5.1.4.1.1.481.6", "RT"),
        ("1.2.840.10008.5.1.4.1.1.481.7", "RT"), ("1.2.840.10008.5.1.4.1.1.481.8", "RT"),
        ("1.2.840.10008.5.1.4.1.1.481.9", "RT"), ("1.2.840.10008.5.1.4.1.1.481.", "RT"),
    ]

    /// The short name of a non-image class (`SR`, `KO`, `PR`, `DICOMDIR`, …), nil for an image or
    /// unknown class. RT Image (…481.1) is an image class.
    package static func nonImageName(_ uid: String) -> String? {
        if uid == "1.2.840.10008.5.1.4.1.1.481.1" { return nil }
        if let exact = nonImage.first(where: { $0.uid == uid }) { return exact.name }
        return nonImage.first(where: { $0.uid.hasSuffix(".") && uid.hasPrefix($0.uid) })?.name
    }
}

extension MammoPrepError {
    /// The `.noPixelData` error of an object of a non-image class (`SOPClass`): batch commands
    /// count it as skipped by `nonImageClass`, single-file APIs report it as this error.
    package static func nonImage(path: String, className: String, uid: String) -> MammoPrepError {
        var error = MammoPrepError(path: path, stage: .read, code: .noPixelData,
                                   detail: "a \(className) object (SOP Class \(uid)), not an image")
        error.nonImageClass = className
        return error
    }
}
