// CDCMTKShim: see include/CDCMTKShim.h for the contract.
//
// Why C++ behind a C header rather than Swift/C++ interop: interop mode changes how every C header
// imports and has caused link trouble for dependents (swift-package-manager #6564); a C boundary
// keeps the Swift modules in plain C mode and the seam small enough to test.

#include "CDCMTKShim.h"

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcfcache.h"
#include "dcmtk/dcmdata/dcfilefo.h"
#include "dcmtk/dcmdata/dcmetinf.h"
#include "dcmtk/dcmdata/dcuid.h"
#include "dcmtk/dcmdata/dcpixel.h"
#include "dcmtk/dcmdata/dcpixseq.h"
#include "dcmtk/dcmdata/dcpxitem.h"
#include "dcmtk/dcmdata/dcrledrg.h"
#include "dcmtk/dcmdata/dcsequen.h"
#include "dcmtk/dcmdata/dcxfer.h"
#include "dcmtk/dcmjpeg/djdecode.h"
#include "dcmtk/dcmjpls/djdecode.h"
#include "dcmtk/oflog/oflog.h"

#include <openjpeg.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

struct CDCMTKShim_File {
    DcmFileFormat format;
    DcmFileCache cache;
    E_TransferSyntax xfer = EXS_Unknown;
    // DCMTK's "start fragment" hint: valid for frame `nextFrame` after a sequential decode.
    Uint32 nextFrame = 0;
    Uint32 nextFragment = 0;
};

namespace {

std::atomic<int32_t> j2kThreads{1};

void setMessage(char *buffer, size_t capacity, const std::string &text) {
    if (buffer == nullptr || capacity == 0) return;
    size_t n = text.size() < capacity - 1 ? text.size() : capacity - 1;
    std::memcpy(buffer, text.data(), n);
    buffer[n] = '\0';
}

/// Codecs are registered once per process; DCMTK's codec list is guarded by a read/write lock.
void initialiseOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        // DCMTK would otherwise print "E: can't read file ..." and codec warnings on stderr.
        OFLog::configure(OFLogger::OFF_LOG_LEVEL);
        DJDecoderRegistration::registerCodecs();
        DJLSDecoderRegistration::registerCodecs();
        DcmRLEDecoderRegistration::registerCodecs();
    });
}

DcmTagKey key(uint32_t tag) { return DcmTagKey(Uint16(tag >> 16), Uint16(tag & 0xFFFF)); }

DcmItem *walk(CDCMTKShim_File *file, const CDCMTKShim_PathStep *path, size_t pathLength) {
    DcmItem *current = file->format.getDataset();
    for (size_t i = 0; i < pathLength && current != nullptr; ++i) {
        DcmItem *next = nullptr;
        if (current->findAndGetSequenceItem(key(path[i].tag), next, long(path[i].item)).bad()) return nullptr;
        current = next;
    }
    return current;
}

DcmElement *findElement(CDCMTKShim_File *file, const CDCMTKShim_PathStep *path, size_t pathLength,
                        uint32_t tag) {
    DcmItem *item = walk(file, path, pathLength);
    if (item == nullptr) return nullptr;
    DcmElement *element = nullptr;
    if (item->findAndGetElement(key(tag), element, OFFalse).bad()) return nullptr;
    return element;
}

/// Looks at the first bytes: Part 10 ("DICM" at 128), or a bare dataset starting with a group
/// 0002/0008 tag in either byte order. Anything else is not DICOM, whatever DCMTK might make of it.
CDCMTKShim_Status sniff(const char *path, std::string &why) {
    FILE *fp = std::fopen(path, "rb");
    if (fp == nullptr) {
        why = std::string("cannot open file: ") + std::strerror(errno);
        return CDCMTKShim_ErrIO;
    }
    unsigned char head[132];
    size_t n = std::fread(head, 1, sizeof head, fp);
    std::fclose(fp);
    if (n == 132 && std::memcmp(head + 128, "DICM", 4) == 0) return CDCMTKShim_OK;
    if (n >= 8) {
        unsigned groupLE = head[0] | (head[1] << 8);
        unsigned groupBE = (head[0] << 8) | head[1];
        if (groupLE == 0x0002 || groupLE == 0x0008 || groupBE == 0x0008) return CDCMTKShim_OK;
    }
    why = "no DICM prefix and no DICOM dataset at the start of the file";
    return CDCMTKShim_ErrNotDICOM;
}

bool isJ2K(E_TransferSyntax xfer, const char *uid) {
    if (xfer == EXS_JPEG2000LosslessOnly || xfer == EXS_JPEG2000) return true;
    // HTJ2K (.4.201 lossless, .4.202 RPCL lossless, .4.203) is not in DCMTK 3.6.7's table.
    return uid != nullptr && (std::strcmp(uid, "1.2.840.10008.1.2.4.201") == 0 ||
                              std::strcmp(uid, "1.2.840.10008.1.2.4.202") == 0 ||
                              std::strcmp(uid, "1.2.840.10008.1.2.4.203") == 0);
}

bool isDCMTKCodec(E_TransferSyntax xfer) {
    switch (xfer) {
    case EXS_JPEGProcess1:
    case EXS_JPEGProcess2_4:
    case EXS_JPEGProcess14:
    case EXS_JPEGProcess14SV1:
    case EXS_JPEGLSLossless:
    case EXS_JPEGLSLossy:
    case EXS_RLELossless:
        return true;
    default:
        return false;
    }
}

// ---- OpenJPEG over memory -------------------------------------------------------------------

struct MemoryStream {
    const uint8_t *data;
    size_t size;
    size_t position;
};

OPJ_SIZE_T memRead(void *buffer, OPJ_SIZE_T count, void *user) {
    auto *m = static_cast<MemoryStream *>(user);
    if (m->position >= m->size) return OPJ_SIZE_T(-1);
    size_t n = count < m->size - m->position ? count : m->size - m->position;
    std::memcpy(buffer, m->data + m->position, n);
    m->position += n;
    return n;
}

OPJ_OFF_T memSkip(OPJ_OFF_T count, void *user) {
    auto *m = static_cast<MemoryStream *>(user);
    if (count < 0) {
        OPJ_OFF_T back = OPJ_OFF_T(m->position) < -count ? OPJ_OFF_T(m->position) : -count;
        m->position -= size_t(back);
        return -back;
    }
    size_t n = size_t(count) < m->size - m->position ? size_t(count) : m->size - m->position;
    m->position += n;
    return OPJ_OFF_T(n);
}

OPJ_BOOL memSeek(OPJ_OFF_T offset, void *user) {
    auto *m = static_cast<MemoryStream *>(user);
    if (offset < 0 || size_t(offset) > m->size) return OPJ_FALSE;
    m->position = size_t(offset);
    return OPJ_TRUE;
}

void collectError(const char *msg, void *user) {
    auto *text = static_cast<std::string *>(user);
    if (!text->empty()) return; // keep the first, most specific message
    *text = msg;
    while (!text->empty() && (text->back() == '\n' || text->back() == '\r')) text->pop_back();
}
void ignoreMessage(const char *, void *) {}

/// Decodes one J2K/HTJ2K codestream (or a JP2 file, which some writers embed) into 16-bit words.
CDCMTKShim_Status decodeJ2K(const uint8_t *data, size_t size, uint16_t rows, uint16_t columns,
                            uint16_t samples, uint16_t *words, size_t wordCapacity,
                            CDCMTKShim_FrameInfo *info, std::string &why) {
    static const uint8_t jp2Signature[12] = {0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A};
    bool jp2 = size >= 12 && std::memcmp(data, jp2Signature, 12) == 0;
    if (!jp2 && (size < 4 || data[0] != 0xFF || data[1] != 0x4F || data[2] != 0xFF || data[3] != 0x51)) {
        why = "JPEG 2000 frame does not start with SOC/SIZ markers (FF4F FF51)";
        return CDCMTKShim_ErrCorruptStream;
    }
    MemoryStream memory{data, size, 0};
    opj_stream_t *stream = opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_TRUE);
    opj_codec_t *codec = opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K);
    opj_image_t *image = nullptr;
    CDCMTKShim_Status status = CDCMTKShim_OK;
    std::string error;
    do {
        if (stream == nullptr || codec == nullptr) { status = CDCMTKShim_ErrInternal; why = "OpenJPEG allocation failed"; break; }
        opj_stream_set_user_data(stream, &memory, nullptr);
        opj_stream_set_user_data_length(stream, size);
        opj_stream_set_read_function(stream, memRead);
        opj_stream_set_skip_function(stream, memSkip);
        opj_stream_set_seek_function(stream, memSeek);
        opj_set_error_handler(codec, collectError, &error);
        opj_set_warning_handler(codec, ignoreMessage, nullptr);
        opj_set_info_handler(codec, ignoreMessage, nullptr);
        opj_dparameters_t parameters;
        opj_set_default_decoder_parameters(&parameters);
        if (!opj_setup_decoder(codec, &parameters)) { status = CDCMTKShim_ErrInternal; why = "OpenJPEG decoder setup failed"; break; }
        int threads = j2kThreads.load();
        if (threads != 1 && opj_has_thread_support()) {
            opj_codec_set_threads(codec, threads == 0 ? opj_get_num_cpus() : threads);
        }
        info->threads = threads == 0 ? opj_get_num_cpus() : threads;
        if (!opj_read_header(stream, codec, &image) || image == nullptr) {
            status = CDCMTKShim_ErrCorruptStream; why = "JPEG 2000 header: " + (error.empty() ? "unreadable" : error); break;
        }
        if (!opj_decode(codec, stream, image) || !opj_end_decompress(codec, stream)) {
            status = CDCMTKShim_ErrCorruptStream; why = "JPEG 2000 decode: " + (error.empty() ? "codestream rejected" : error); break;
        }
        if (image->numcomps != samples) {
            status = CDCMTKShim_ErrGeometry;
            why = "JPEG 2000 codestream has " + std::to_string(image->numcomps) + " components, Samples per Pixel is " + std::to_string(samples);
            break;
        }
        const opj_image_comp_t &c = image->comps[0];
        if (c.w != columns || c.h != rows || c.dx != 1 || c.dy != 1 || c.data == nullptr) {
            status = CDCMTKShim_ErrGeometry;
            why = "JPEG 2000 codestream is " + std::to_string(c.w) + "x" + std::to_string(c.h) +
                  ", Columns x Rows is " + std::to_string(columns) + "x" + std::to_string(rows);
            break;
        }
        if (c.prec > 16) {
            status = CDCMTKShim_ErrBadValue; why = "JPEG 2000 precision " + std::to_string(c.prec) + " exceeds 16 bits"; break;
        }
        size_t count = size_t(rows) * size_t(columns);
        if (count > wordCapacity) { status = CDCMTKShim_ErrBufferTooSmall; why = "buffer too small for frame"; break; }
        // Keep the low 16 bits: the caller masks to Bits Stored and sign-extends (PS3.5 8.1.1).
        for (size_t i = 0; i < count; ++i) words[i] = uint16_t(uint32_t(c.data[i]) & 0xFFFFu);
        info->codec = 2;
        info->precision = int32_t(c.prec);
        info->isSigned = c.sgnd ? 1 : 0;
    } while (false);
    if (image != nullptr) opj_image_destroy(image);
    if (codec != nullptr) opj_destroy_codec(codec);
    if (stream != nullptr) opj_stream_destroy(stream);
    return status;
}

/// The fragments (indices into the pixel sequence, item 0 being the offset table) of one frame.
/// Order of evidence: one frame → all fragments; Basic Offset Table; one fragment per frame;
/// else J2K SOC markers at fragment starts.
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
            if (items[i]->getLength() >= 4 && items[i]->getUint8Array(bytes).good() && bytes != nullptr &&
                bytes[0] == 0xFF && bytes[1] == 0x4F && bytes[2] == 0xFF && bytes[3] == 0x51) {
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

/// The encapsulated pixel sequence. DCMTK 3.6.7 has no entry for HTJ2K, so it files the sequence
/// under whatever syntax it parsed the dataset with: ask for the current representation's key.
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

bool isEncapsulatedSyntax(E_TransferSyntax xfer, const std::string &uid) {
    if (DcmXfer(xfer).isEncapsulated()) return true;
    // Unknown to DCMTK but encapsulated by definition: every UID under 1.2.840.10008.1.2.4 and RLE.
    return uid.rfind("1.2.840.10008.1.2.4.", 0) == 0 || uid == "1.2.840.10008.1.2.5";
}

std::string metaTransferSyntax(CDCMTKShim_File *file) {
    OFString uid;
    DcmMetaInfo *meta = file->format.getMetaInfo();
    if (meta != nullptr) meta->findAndGetOFString(DCM_TransferSyntaxUID, uid);
    return uid.empty() ? std::string(DcmXfer(file->xfer).getXferID()) : std::string(uid.c_str());
}

CDCMTKShim_Status classifyLoadError(const OFCondition &cond, std::string &why) {
    why = cond.text();
    if (cond == EC_StreamNotifyClient || cond == EC_EndOfStream ||
        why.find("premature end") != std::string::npos || why.find("Premature") != std::string::npos) {
        why = "file ends inside an element (" + why + ")";
        return CDCMTKShim_ErrTruncated;
    }
    return CDCMTKShim_ErrNotDICOM;
}

} // namespace

extern "C" {

CDCMTKShim_Status CDCMTKShim_open(const char *path, CDCMTKShim_File **outFile, char *message,
                                  size_t messageCapacity) {
    if (outFile == nullptr || path == nullptr) return CDCMTKShim_ErrInternal;
    *outFile = nullptr;
    try {
        initialiseOnce();
        std::string why;
        CDCMTKShim_Status sniffed = sniff(path, why);
        if (sniffed != CDCMTKShim_OK) { setMessage(message, messageCapacity, why); return sniffed; }
        auto *file = new CDCMTKShim_File();
        // Values longer than 4 KiB (pixel data, LUT data) stay on disk until first used.
        OFCondition cond = file->format.loadFile(OFFilename(path), EXS_Unknown, EGL_noChange, 4096, ERM_autoDetect);
        if (cond.bad()) {
            CDCMTKShim_Status status = classifyLoadError(cond, why);
            setMessage(message, messageCapacity, why);
            delete file;
            return status;
        }
        file->xfer = file->format.getDataset()->getOriginalXfer();
        *outFile = file;
        return CDCMTKShim_OK;
    } catch (const std::exception &e) {
        setMessage(message, messageCapacity, std::string("internal error: ") + e.what());
    } catch (...) {
        setMessage(message, messageCapacity, "internal error");
    }
    return CDCMTKShim_ErrInternal;
}

void CDCMTKShim_close(CDCMTKShim_File *file) {
    try { delete file; } catch (...) {}
}

CDCMTKShim_Status CDCMTKShim_transferSyntax(const CDCMTKShim_File *file, char *buffer, size_t capacity) {
    if (file == nullptr) return CDCMTKShim_ErrInternal;
    try {
        // The meta header names the syntax even where DCMTK has no entry for it (HTJ2K in 3.6.7).
        OFString uid;
        DcmMetaInfo *meta = const_cast<CDCMTKShim_File *>(file)->format.getMetaInfo();
        if (meta != nullptr && meta->findAndGetOFString(DCM_TransferSyntaxUID, uid).good() && !uid.empty()) {
            setMessage(buffer, capacity, uid.c_str());
            return CDCMTKShim_OK;
        }
        DcmXfer xfer(file->xfer);
        setMessage(buffer, capacity, xfer.getXferID());
        return CDCMTKShim_OK;
    } catch (...) {
        return CDCMTKShim_ErrInternal;
    }
}

CDCMTKShim_Status CDCMTKShim_pixelInfo(CDCMTKShim_File *file, CDCMTKShim_PixelInfo *info) {
    if (file == nullptr || info == nullptr) return CDCMTKShim_ErrInternal;
    try {
        *info = CDCMTKShim_PixelInfo{0, 0, 0, 0};
        DcmElement *element = nullptr;
        if (file->format.getDataset()->findAndGetElement(DCM_PixelData, element, OFFalse).bad() || element == nullptr) {
            return CDCMTKShim_OK;
        }
        info->present = 1;
        auto *pixel = OFstatic_cast(DcmPixelData *, element);
        if (isEncapsulatedSyntax(file->xfer, metaTransferSyntax(file))) {
            info->encapsulated = 1;
            DcmPixelSequence *sequence = pixelSequence(pixel, file->xfer);
            if (sequence != nullptr) info->fragments = sequence->card() > 0 ? Uint32(sequence->card() - 1) : 0;
        } else {
            info->nativeLength = element->getLength();
        }
        return CDCMTKShim_OK;
    } catch (...) {
        return CDCMTKShim_ErrInternal;
    }
}

int64_t CDCMTKShim_itemCount(CDCMTKShim_File *file, const CDCMTKShim_PathStep *path, size_t pathLength,
                             uint32_t seqTag) {
    if (file == nullptr) return -1;
    try {
        DcmItem *item = walk(file, path, pathLength);
        if (item == nullptr) return -1;
        DcmSequenceOfItems *sequence = nullptr;
        if (item->findAndGetSequence(key(seqTag), sequence, OFFalse).bad() || sequence == nullptr) return -1;
        return int64_t(sequence->card());
    } catch (...) {
        return -1;
    }
}

CDCMTKShim_Status CDCMTKShim_getString(CDCMTKShim_File *file, const CDCMTKShim_PathStep *path,
                                       size_t pathLength, uint32_t tag, char *buffer, size_t capacity,
                                       size_t *needed) {
    if (file == nullptr) return CDCMTKShim_ErrInternal;
    try {
        DcmElement *element = findElement(file, path, pathLength, tag);
        if (element == nullptr) return CDCMTKShim_ErrNotFound;
        OFString value;
        if (element->getOFStringArray(value, OFTrue).bad()) return CDCMTKShim_ErrBadValue;
        if (needed != nullptr) *needed = value.size();
        if (buffer == nullptr || value.size() + 1 > capacity) return CDCMTKShim_ErrBufferTooSmall;
        std::memcpy(buffer, value.c_str(), value.size() + 1);
        return CDCMTKShim_OK;
    } catch (...) {
        return CDCMTKShim_ErrInternal;
    }
}

CDCMTKShim_Status CDCMTKShim_getNumbers(CDCMTKShim_File *file, const CDCMTKShim_PathStep *path,
                                        size_t pathLength, uint32_t tag, double *values, size_t capacity,
                                        size_t *count) {
    if (file == nullptr || count == nullptr) return CDCMTKShim_ErrInternal;
    try {
        DcmElement *element = findElement(file, path, pathLength, tag);
        if (element == nullptr) return CDCMTKShim_ErrNotFound;
        unsigned long vm = element->getVM();
        if (element->getLength() == 0) vm = 0;
        *count = vm;
        if (vm > capacity) return CDCMTKShim_ErrBufferTooSmall;
        for (unsigned long i = 0; i < vm; ++i) {
            OFCondition cond = EC_IllegalCall;
            switch (element->ident()) {
            case EVR_US: { Uint16 v; cond = element->getUint16(v, i); values[i] = v; break; }
            case EVR_SS: { Sint16 v; cond = element->getSint16(v, i); values[i] = v; break; }
            case EVR_UL: { Uint32 v; cond = element->getUint32(v, i); values[i] = v; break; }
            case EVR_SL: { Sint32 v; cond = element->getSint32(v, i); values[i] = v; break; }
            case EVR_IS: { Sint32 v; cond = element->getSint32(v, i); values[i] = v; break; }
            case EVR_FL: { Float32 v; cond = element->getFloat32(v, i); values[i] = v; break; }
            case EVR_FD:
            case EVR_DS: { Float64 v; cond = element->getFloat64(v, i); values[i] = v; break; }
            default: return CDCMTKShim_ErrBadValue;
            }
            if (cond.bad()) return CDCMTKShim_ErrBadValue;
        }
        return CDCMTKShim_OK;
    } catch (...) {
        return CDCMTKShim_ErrInternal;
    }
}

CDCMTKShim_Status CDCMTKShim_getWords(CDCMTKShim_File *file, const CDCMTKShim_PathStep *path,
                                      size_t pathLength, uint32_t tag, uint16_t *words, size_t capacity,
                                      size_t *count) {
    if (file == nullptr || count == nullptr) return CDCMTKShim_ErrInternal;
    try {
        DcmElement *element = findElement(file, path, pathLength, tag);
        if (element == nullptr) return CDCMTKShim_ErrNotFound;
        Uint32 length = element->getLength();
        size_t n = length / 2;
        *count = n;
        if (n > capacity) return CDCMTKShim_ErrBufferTooSmall;
        if (n == 0) return CDCMTKShim_OK;
        switch (element->ident()) {
        case EVR_US:
        case EVR_OW:
        case EVR_lt:
        case EVR_xs:
        case EVR_ox: {
            Uint16 *data = nullptr;
            if (element->getUint16Array(data).bad() || data == nullptr) return CDCMTKShim_ErrBadValue;
            std::memcpy(words, data, n * 2);
            return CDCMTKShim_OK;
        }
        case EVR_SS: {
            Sint16 *data = nullptr;
            if (element->getSint16Array(data).bad() || data == nullptr) return CDCMTKShim_ErrBadValue;
            std::memcpy(words, data, n * 2);
            return CDCMTKShim_OK;
        }
        case EVR_UN:
        case EVR_OB: {
            // Unknown VR: the bytes are in the file's little-endian order (UN is only in explicit LE).
            Uint8 *data = nullptr;
            if (element->getUint8Array(data).bad() || data == nullptr) return CDCMTKShim_ErrBadValue;
            for (size_t i = 0; i < n; ++i) words[i] = uint16_t(data[2 * i] | (data[2 * i + 1] << 8));
            return CDCMTKShim_OK;
        }
        default:
            return CDCMTKShim_ErrBadValue;
        }
    } catch (...) {
        return CDCMTKShim_ErrInternal;
    }
}

CDCMTKShim_Status CDCMTKShim_decodeFrame(CDCMTKShim_File *file, uint32_t frameIndex, uint16_t *words,
                                         size_t wordCapacity, CDCMTKShim_FrameInfo *info, char *message,
                                         size_t messageCapacity) {
    if (file == nullptr || words == nullptr || info == nullptr) return CDCMTKShim_ErrInternal;
    *info = CDCMTKShim_FrameInfo{0, 0, 0, 1};
    try {
        DcmDataset *dataset = file->format.getDataset();
        Uint16 rows = 0, columns = 0, samples = 1, bitsAllocated = 0;
        dataset->findAndGetUint16(DCM_Rows, rows);
        dataset->findAndGetUint16(DCM_Columns, columns);
        dataset->findAndGetUint16(DCM_SamplesPerPixel, samples);
        dataset->findAndGetUint16(DCM_BitsAllocated, bitsAllocated);
        Sint32 frames = 1;
        if (dataset->findAndGetSint32(DCM_NumberOfFrames, frames).bad() || frames < 1) frames = 1;
        if (bitsAllocated != 8 && bitsAllocated != 16) {
            setMessage(message, messageCapacity, "Bits Allocated " + std::to_string(bitsAllocated) + " is not 8 or 16");
            return CDCMTKShim_ErrBadValue;
        }
        if (frameIndex >= Uint32(frames)) {
            setMessage(message, messageCapacity, "frame " + std::to_string(frameIndex) + " beyond Number of Frames " + std::to_string(frames));
            return CDCMTKShim_ErrFrameRange;
        }
        size_t samplesPerFrame = size_t(rows) * size_t(columns) * size_t(samples);
        if (samplesPerFrame > wordCapacity) { setMessage(message, messageCapacity, "buffer too small for frame"); return CDCMTKShim_ErrBufferTooSmall; }
        size_t bytesPerSample = bitsAllocated / 8;
        size_t frameBytes = samplesPerFrame * bytesPerSample;

        DcmElement *element = nullptr;
        if (dataset->findAndGetElement(DCM_PixelData, element, OFFalse).bad() || element == nullptr) {
            setMessage(message, messageCapacity, "no (7FE0,0010) Pixel Data");
            return CDCMTKShim_ErrNoPixelData;
        }
        auto *pixel = OFstatic_cast(DcmPixelData *, element);
        DcmXfer xfer(file->xfer);
        std::string uid = metaTransferSyntax(file);

        if (!isEncapsulatedSyntax(file->xfer, uid)) {
            uint64_t needed = uint64_t(frameIndex + 1) * frameBytes;
            if (uint64_t(element->getLength()) < needed) {
                setMessage(message, messageCapacity, "Pixel Data holds " + std::to_string(element->getLength()) +
                           " bytes, frame " + std::to_string(frameIndex) + " needs bytes up to " + std::to_string(needed));
                return CDCMTKShim_ErrShortPixelData;
            }
            // Read only this frame's bytes, swapped to host order (getPartialValue).
            OFCondition cond;
            if (bytesPerSample == 2) {
                cond = element->getPartialValue(words, Uint32(frameIndex * frameBytes), Uint32(frameBytes), &file->cache);
            } else {
                std::vector<uint8_t> bytes(frameBytes);
                cond = element->getPartialValue(bytes.data(), Uint32(frameIndex * frameBytes), Uint32(frameBytes), &file->cache);
                if (cond.good()) for (size_t i = 0; i < frameBytes; ++i) words[i] = bytes[i];
            }
            if (cond.bad()) {
                setMessage(message, messageCapacity, std::string("reading pixel data: ") + cond.text());
                return CDCMTKShim_ErrTruncated;
            }
            return CDCMTKShim_OK;
        }

        if (isJ2K(file->xfer, uid.c_str())) {
            DcmPixelSequence *sequence = pixelSequence(pixel, file->xfer);
            if (sequence == nullptr) {
                setMessage(message, messageCapacity, "encapsulated pixel data unreadable");
                return CDCMTKShim_ErrTruncated;
            }
            std::vector<DcmPixelItem *> fragments;
            std::string why;
            CDCMTKShim_Status status = frameFragments(sequence, Uint32(frames), frameIndex, fragments, why);
            if (status != CDCMTKShim_OK) { setMessage(message, messageCapacity, why); return status; }
            std::vector<uint8_t> joined;
            const uint8_t *data = nullptr;
            size_t size = 0;
            for (DcmPixelItem *item : fragments) {
                Uint8 *bytes = nullptr;
                if (item->getUint8Array(bytes).bad() || (bytes == nullptr && item->getLength() > 0)) {
                    setMessage(message, messageCapacity, "pixel data fragment unreadable");
                    return CDCMTKShim_ErrTruncated;
                }
                if (fragments.size() == 1) { data = bytes; size = item->getLength(); }
                else joined.insert(joined.end(), bytes, bytes + item->getLength());
            }
            if (fragments.size() != 1) { data = joined.data(); size = joined.size(); }
            status = decodeJ2K(data, size, rows, columns, samples, words, wordCapacity, info, why);
            if (status != CDCMTKShim_OK) setMessage(message, messageCapacity, why);
            return status;
        }

        if (!isDCMTKCodec(file->xfer)) {
            setMessage(message, messageCapacity, std::string("no decoder for transfer syntax ") +
                       uid + " (" + xfer.getXferName() + ")");
            return CDCMTKShim_ErrUnsupportedSyntax;
        }
        Uint32 start = (frameIndex == file->nextFrame) ? file->nextFragment : 0;
        OFString colourModel;
        OFCondition cond;
        if (bytesPerSample == 2) {
            cond = pixel->getUncompressedFrame(dataset, frameIndex, start, words, Uint32(frameBytes), colourModel, &file->cache);
        } else {
            std::vector<uint8_t> bytes(frameBytes + 1);
            cond = pixel->getUncompressedFrame(dataset, frameIndex, start, bytes.data(), Uint32(frameBytes + (frameBytes & 1)), colourModel, &file->cache);
            if (cond.good()) for (size_t i = 0; i < frameBytes; ++i) words[i] = bytes[i];
        }
        if (cond.bad()) {
            file->nextFrame = 0;
            file->nextFragment = 0;
            setMessage(message, messageCapacity, std::string(xfer.getXferName()) + " frame " + std::to_string(frameIndex) + ": " + cond.text());
            return CDCMTKShim_ErrCorruptStream;
        }
        file->nextFrame = frameIndex + 1;
        file->nextFragment = start;
        info->codec = 1;
        return CDCMTKShim_OK;
    } catch (const std::bad_alloc &) {
        setMessage(message, messageCapacity, "out of memory while decoding");
    } catch (const std::exception &e) {
        setMessage(message, messageCapacity, std::string("internal error: ") + e.what());
    } catch (...) {
        setMessage(message, messageCapacity, "internal error");
    }
    return CDCMTKShim_ErrInternal;
}

void CDCMTKShim_setJ2KThreads(int32_t threads) { j2kThreads.store(threads < 0 ? 1 : threads); }

const char *CDCMTKShim_dcmtkVersion(void) { return OFFIS_DCMTK_VERSION_STRING; }

const char *CDCMTKShim_openjpegVersion(void) { return opj_version(); }

} // extern "C"
