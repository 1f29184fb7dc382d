// CDCMTKShim, encapsulated pixel data: fragment → frame mapping and a frame's compressed bytes,
// for decoders outside DCMTK (see include/CDCMTKShim.h).

#include "shim_internal.h"

#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcpxitem.h"

#include <vector>

using namespace cdcmtkshim;

namespace cdcmtkshim {

/// DCMTK 3.6.7 has no entry for HTJ2K, so it files the sequence under whatever syntax it parsed
/// the dataset with: ask for the current representation's key.
DcmPixelSequence *pixelSequence(DcmPixelData *pixel, E_TransferSyntax xfer) {
    DcmPixelSequence *sequence = nullptr;
    if (pixel->getEncapsulatedRepresentation(xfer, nullptr, sequence).good() && sequence != nullptr) return sequence;
    E_TransferSyntax current = EXS_Unknown;
    const DcmRepresentationParameter *parameter = nullptr;
    pixel->getCurrentRepresentationKey(current, parameter);
    sequence = nullptr;
    if (pixel->getEncapsulatedRepresentation(current, parameter, sequence).good() && sequence != nullptr) return sequence;
    return nullptr;
}

CDCMTKShim_Status frameLayout(CDCMTKShim_File *file, uint32_t frameIndex, size_t wordCapacity,
                              FrameLayout &layout, char *message, size_t messageCapacity) {
    DcmDataset *dataset = file->format.getDataset();
    dataset->findAndGetUint16(DCM_Rows, layout.rows);
    dataset->findAndGetUint16(DCM_Columns, layout.columns);
    dataset->findAndGetUint16(DCM_SamplesPerPixel, layout.samples);
    dataset->findAndGetUint16(DCM_BitsAllocated, layout.bitsAllocated);
    if (dataset->findAndGetSint32(DCM_NumberOfFrames, layout.frames).bad() || layout.frames < 1) layout.frames = 1;
    if (layout.bitsAllocated != 8 && layout.bitsAllocated != 16) {
        setMessage(message, messageCapacity, "Bits Allocated " + std::to_string(layout.bitsAllocated) + " is not 8 or 16");
        return CDCMTKShim_ErrBadValue;
    }
    if (frameIndex >= Uint32(layout.frames)) {
        setMessage(message, messageCapacity, "frame " + std::to_string(frameIndex) + " beyond Number of Frames " +
                   std::to_string(layout.frames));
        return CDCMTKShim_ErrFrameRange;
    }
    layout.samplesPerFrame = size_t(layout.rows) * size_t(layout.columns) * size_t(layout.samples);
    if (layout.samplesPerFrame > wordCapacity) {
        setMessage(message, messageCapacity, "buffer too small for frame");
        return CDCMTKShim_ErrBufferTooSmall;
    }
    layout.bytesPerSample = layout.bitsAllocated / 8;
    layout.frameBytes = layout.samplesPerFrame * layout.bytesPerSample;
    DcmElement *element = nullptr;
    if (dataset->findAndGetElement(DCM_PixelData, element, OFFalse).bad() || element == nullptr) {
        setMessage(message, messageCapacity, "no (7FE0,0010) Pixel Data");
        return CDCMTKShim_ErrNoPixelData;
    }
    layout.pixel = OFstatic_cast(DcmPixelData *, element);
    return CDCMTKShim_OK;
}

} // namespace cdcmtkshim

namespace {

/// A fragment that begins a frame: J2K SOC+SIZ (FF4F FF51), or JPEG-LS SOI followed by SOF55,
/// COM or APPn (FFD8 FFF7 / FFFE / FFEx, the test of DCMTK's JPEG-LS codec). Neither can occur
/// inside the other's entropy-coded data, so one test serves both families.
bool startsFrame(const Uint8 *bytes, Uint32 length) {
    if (bytes == nullptr || length < 4 || bytes[0] != 0xFF || bytes[2] != 0xFF) return false;
    if (bytes[1] == 0x4F) return bytes[3] == 0x51;
    return bytes[1] == 0xD8 && (bytes[3] == 0xF7 || bytes[3] == 0xFE || (bytes[3] & 0xF0) == 0xE0);
}

/// The fragments (indices into the pixel sequence, item 0 being the offset table) of one frame.
/// Order of evidence: one frame → all fragments; Basic Offset Table; one fragment per frame;
/// else frame-start markers at fragment starts (startsFrame).
CDCMTKShim_Status frameFragments(DcmPixelSequence *sequence, Uint32 frames, Uint32 frame,
                                 std::vector<DcmPixelItem *> &out, std::string &why) {
    unsigned long count = sequence->card();
    if (count < 2) { why = "encapsulated pixel data holds no fragments"; return CDCMTKShim_ErrShortPixelData; }
    std::vector<DcmPixelItem *> items;
    for (unsigned long i = 0; i < count; ++i) {
        DcmPixelItem *item = nullptr;
        if (sequence->getItem(item, i).bad() || item == nullptr) { why = "unreadable pixel data fragment"; return CDCMTKShim_ErrTruncated; }
        items.push_back(item);
    }
    size_t fragmentCount = items.size() - 1;
    if (frames <= 1) {
        out.assign(items.begin() + 1, items.end());
        return CDCMTKShim_OK;
    }
    std::vector<size_t> starts; // fragment index (1-based in items) where each frame begins
    Uint32 tableLength = items[0]->getLength();
    if (tableLength >= 4 * frames) {
        Uint8 *table = nullptr;
        if (items[0]->getUint8Array(table).good() && table != nullptr) {
            std::vector<Uint32> offsets(frames);
            for (Uint32 f = 0; f < frames; ++f) {
                offsets[f] = Uint32(table[4 * f]) | (Uint32(table[4 * f + 1]) << 8) |
                             (Uint32(table[4 * f + 2]) << 16) | (Uint32(table[4 * f + 3]) << 24);
            }
            // Offsets are byte positions of each frame's first item tag, relative to the first fragment.
            Uint32 position = 0;
            size_t next = 0;
            for (size_t i = 1; i < items.size() && next < frames; ++i) {
                while (next < frames && offsets[next] == position) { starts.push_back(i); ++next; }
                position += 8 + items[i]->getLength();
            }
            if (starts.size() != frames) starts.clear(); // inconsistent table: fall through
        }
    }
    if (starts.empty() && fragmentCount == frames) {
        for (size_t i = 1; i <= frames; ++i) starts.push_back(i);
    }
    if (starts.empty()) {
        for (size_t i = 1; i < items.size(); ++i) {
            Uint8 *bytes = nullptr;
            if (items[i]->getLength() >= 4 && items[i]->getUint8Array(bytes).good() &&
                startsFrame(bytes, items[i]->getLength())) {
                starts.push_back(i);
            }
        }
        if (starts.size() != frames) {
            why = "cannot map " + std::to_string(fragmentCount) + " fragments to " + std::to_string(frames) +
                  " frames (no usable offset table)";
            return CDCMTKShim_ErrShortPixelData;
        }
    }
    if (frame >= starts.size()) { why = "frame beyond the fragments present"; return CDCMTKShim_ErrFrameRange; }
    size_t begin = starts[frame];
    size_t end = frame + 1 < starts.size() ? starts[frame + 1] : items.size();
    out.assign(items.begin() + long(begin), items.begin() + long(end));
    return CDCMTKShim_OK;
}

} // namespace

extern "C" {

CDCMTKShim_Status CDCMTKShim_frameBytes(CDCMTKShim_File *file, uint32_t frameIndex, CDCMTKShim_FrameBytes *bytes,
                                        char *message, size_t messageCapacity) {
    if (file == nullptr || bytes == nullptr) return CDCMTKShim_ErrInternal;
    *bytes = CDCMTKShim_FrameBytes{nullptr, 0, nullptr};
    return guarded(message, messageCapacity, [&]() -> CDCMTKShim_Status {
        FrameLayout layout;
        CDCMTKShim_Status status = frameLayout(file, frameIndex, SIZE_MAX, layout, message, messageCapacity);
        if (status != CDCMTKShim_OK) return status;
        DcmPixelSequence *sequence = pixelSequence(layout.pixel, file->xfer);
        if (sequence == nullptr) {
            setMessage(message, messageCapacity, "encapsulated pixel data unreadable");
            return CDCMTKShim_ErrTruncated;
        }
        std::vector<DcmPixelItem *> fragments;
        std::string why;
        status = frameFragments(sequence, Uint32(layout.frames), frameIndex, fragments, why);
        if (status != CDCMTKShim_OK) { setMessage(message, messageCapacity, why); return status; }
        std::vector<Uint8 *> data;
        for (DcmPixelItem *item : fragments) {
            Uint8 *fragment = nullptr;
            if (item->getUint8Array(fragment).bad() || (fragment == nullptr && item->getLength() > 0)) {
                setMessage(message, messageCapacity, "pixel data fragment unreadable");
                return CDCMTKShim_ErrTruncated;
            }
            data.push_back(fragment);
        }
        if (fragments.size() == 1) {
            *bytes = CDCMTKShim_FrameBytes{data[0], fragments[0]->getLength(), nullptr};
            return CDCMTKShim_OK;
        }
        auto *joined = new std::vector<uint8_t>();
        for (size_t i = 0; i < fragments.size(); ++i) joined->insert(joined->end(), data[i], data[i] + fragments[i]->getLength());
        *bytes = CDCMTKShim_FrameBytes{joined->data(), joined->size(), joined};
        return CDCMTKShim_OK;
    });
}

void CDCMTKShim_releaseFrameBytes(CDCMTKShim_FrameBytes *bytes) {
    if (bytes == nullptr) return;
    delete static_cast<std::vector<uint8_t> *>(bytes->owner);
    *bytes = CDCMTKShim_FrameBytes{nullptr, 0, nullptr};
}

} // extern "C"
