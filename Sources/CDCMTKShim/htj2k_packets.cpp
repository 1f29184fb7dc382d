// CDCMTKShim, HTJ2K: OpenJPH 0.9.0's packet-header reading replayed (htj2k_check.h,
// replayPacketHeaders), so that a corrupt packet header is refused before OpenJPH reads it.
//
// OpenJPH 0.9.0 (ojph_codestream.cpp: bb_read_chunk, bb_read_bits, precinct::parse,
// tile::parse_tile_header) allocates a code-block's buffer for the bytes left in the tile-part
// but zero-fills the length the packet header declares, and asserts that a length field is at
// most 32 bits: a corrupt header writes past the heap block or aborts. This file computes what
// OpenJPH computes, in the same unsigned 32-bit arithmetic and the same order: the tile, resolution,
// sub-band, precinct and code-block partitions (T.800 B.5-B.7 as 0.9.0 implements them), the packet
// order (0.9.0's reading of T.800 B.12 for one component), the packet headers (T.800 B.10 as 0.9.0
// reads them: one quality layer, its own inclusion tag tree), and the code-block data lengths.
// Nothing is decoded; one component only.

#include "htj2k_check.h"

#include <algorithm>
#include <cstdint>

namespace cdcmtkshim {

namespace {

struct Point { uint32_t x = 0, y = 0; };
struct Rect { Point org; uint32_t w = 0, h = 0; };

/// One precinct: where 0.9.0 places it in progression order, and its code-blocks per sub-band
/// (column/row range within the sub-band's code-block grid).
struct Precinct {
    Point image;
    Rect blocks[4];
};

struct Resolution {
    uint32_t bands = 1;                 // 1 at resolution 0, else 3 (indices 1..3)
    bool skipped = false;               // above the levels restrict_input_resolution keeps
    uint32_t precinctsW = 0, precinctsH = 0;
    std::vector<Precinct> precincts;
    uint32_t next = 0;                  // cur_precinct_loc as a raster index
};

uint32_t log2ceil(uint32_t x) {
    uint32_t t = 31 - uint32_t(__builtin_clz(x));
    return t + ((x & (x - 1)) ? 1 : 0);
}

/// resolution::finalize_alloc + subband::finalize_alloc + subband::get_cb_indices.
Resolution makeResolution(const HTJ2KFacts &f, uint32_t resNum, const Rect &rect, Point tileOrigin,
                          uint32_t skippedLevels) {
    Resolution res;
    res.skipped = resNum > f.decompositions - skippedLevels;
    uint32_t trx0 = rect.org.x, try0 = rect.org.y, trx1 = rect.org.x + rect.w, try1 = rect.org.y + rect.h;
    uint32_t ppw = f.precincts[resNum] & 0x0F, pph = f.precincts[resNum] >> 4;
    Rect bands[4];
    uint32_t xcb[4] = {}, ycb[4] = {};
    bool empty[4] = {true, true, true, true};
    res.bands = resNum > 0 ? 3 : 1;
    for (uint32_t i = resNum > 0 ? 1 : 0; i < (resNum > 0 ? 4u : 1u); ++i) {
        Rect &b = bands[i];
        if (resNum > 0) {
            uint32_t tbx0 = (trx0 - (i & 1) + 1) >> 1, tbx1 = (trx1 - (i & 1) + 1) >> 1;
            uint32_t tby0 = (try0 - (i >> 1) + 1) >> 1, tby1 = (try1 - (i >> 1) + 1) >> 1;
            b.org = {tbx0, tby0};
            b.w = tbx1 - tbx0;
            b.h = tby1 - tby0;
        } else {
            b = rect;
        }
        xcb[i] = std::min(f.logBlockW, ppw - (resNum ? 1 : 0));
        ycb[i] = std::min(f.logBlockH, pph - (resNum ? 1 : 0));
        empty[i] = b.w == 0 || b.h == 0;
    }
    if (trx0 != trx1 && try0 != try1) {
        res.precinctsW = ((trx1 + (1u << ppw) - 1) >> ppw) - (trx0 >> ppw);
        res.precinctsH = ((try1 + (1u << pph) - 1) >> pph) - (try0 >> pph);
    }
    res.precincts.resize(size_t(res.precinctsW) * res.precinctsH);
    uint32_t xLower = (trx0 >> ppw) << ppw, yLower = (try0 >> pph) << pph;
    uint32_t projection = 1u << (f.decompositions - resNum);
    for (uint32_t y = 0; y < res.precinctsH; ++y) {
        for (uint32_t x = 0; x < res.precinctsW; ++x) {
            Point t{projection * (xLower + (x << ppw)), projection * (yLower + (y << pph))};
            t.x = std::max(t.x, tileOrigin.x);
            t.y = std::max(t.y, tileOrigin.y);
            res.precincts[size_t(y) * res.precinctsW + x].image = t;
        }
    }
    for (uint32_t band = resNum > 0 ? 1 : 0; band < (resNum > 0 ? 4u : 1u); ++band) {
        if (empty[band]) continue;
        uint32_t shift = band != 0 ? 1 : 0, coly = 0;
        for (uint32_t y = 0; y < res.precinctsH; ++y) {
            uint32_t pcy0 = std::max(try0, yLower + (y << pph)), pcy1 = std::min(try1, yLower + ((y + 1) << pph));
            pcy0 = (pcy0 - (band >> 1) + (1u << shift) - 1) >> shift;
            pcy1 = (pcy1 - (band >> 1) + (1u << shift) - 1) >> shift;
            uint32_t yb = ((pcy1 + (1u << ycb[band]) - 1) >> ycb[band]) - (pcy0 >> ycb[band]), colx = 0;
            for (uint32_t x = 0; x < res.precinctsW; ++x) {
                uint32_t pcx0 = std::max(trx0, xLower + (x << ppw)), pcx1 = std::min(trx1, xLower + ((x + 1) << ppw));
                pcx0 = (pcx0 - (band & 1) + (1u << shift) - 1) >> shift;
                pcx1 = (pcx1 - (band & 1) + (1u << shift) - 1) >> shift;
                uint32_t xb = ((pcx1 + (1u << xcb[band]) - 1) >> xcb[band]) - (pcx0 >> xcb[band]);
                Rect &cb = res.precincts[size_t(y) * res.precinctsW + x].blocks[band];
                cb.org = {colx, coly};
                cb.w = xb;
                cb.h = yb;
                colx += xb;
            }
            coly += yb;
        }
    }
    return res;
}

/// 0.9.0's tag_tree: levels 0 (code-blocks) to `levels` (one extra root), row stride per level.
struct TagTree {
    uint32_t width = 0;
    std::vector<std::vector<uint8_t>> levels;
    TagTree(uint32_t w, uint32_t h, uint32_t count) : width(w), levels(count + 1) {
        for (uint32_t l = 0; l <= count; ++l) {
            uint32_t lw = (w + (1u << l) - 1) >> l, lh = (h + (1u << l) - 1) >> l;
            levels[l].assign(size_t(std::max(lw, 1u)) * std::max(lh, 1u), 0);
        }
    }
    uint8_t &at(uint32_t x, uint32_t y, uint32_t l) { return levels[l][x + y * ((width + (1u << l) - 1) >> l)]; }
};

/// One tile-part's packet data, read as 0.9.0's bit_read_buf reads it.
struct Packets {
    const uint8_t *data;
    size_t end;                          // the tile-part's end; the position is end - bytesLeft
    const HTJ2KFacts &f;
    std::string &why;
    uint32_t bytesLeft = 0;
    uint32_t tmp = 0, bits = 0;
    bool unstuff = false;

    size_t position() const { return end - bytesLeft; }
    bool fail(const char *reason) { why = std::string("packet header: ") + reason; return false; }

    bool readByte() { // bb_read
        if (bytesLeft > 0) {
            tmp = data[position()];
            bits = 8 - (unstuff ? 1 : 0);
            unstuff = tmp == 0xFF;
            --bytesLeft;
            return true;
        }
        tmp = 0;
        bits = 8 - (unstuff ? 1 : 0);
        unstuff = false;
        return false;
    }
    bool readBit(uint32_t &bit) {
        bool ok = true;
        if (bits == 0) ok = readByte();
        bit = (tmp >> --bits) & 1;
        return ok;
    }
    /// bb_read_bits; false also for a field over 32 bits, which 0.9.0 asserts on.
    bool readBits(uint32_t count, uint32_t &value, const char *what) {
        if (count > 32) return fail("a code-block length field over 32 bits (OpenJPH 0.9 asserts)");
        value = 0;
        bool ok = true;
        while (count) {
            if (bits == 0) ok = readByte();
            uint32_t take = std::min(bits, count);
            value = take == 32 ? 0 : value << take;
            bits -= take;
            count -= take;
            value |= (tmp >> bits) & ((1u << take) - 1);
        }
        return ok || fail(what);
    }
    bool terminate() { // bb_terminate (+ bb_skip_eph)
        if (unstuff) readByte();
        if (unstuff) return fail("two 0xFF bytes end a packet header (OpenJPH 0.9 asserts)");
        if (f.eph && bytesLeft >= 2) {
            uint8_t a = data[position()], b = data[position() + 1];
            bytesLeft -= 2;
            if (a != 0xFF || b != 0x92) return fail("EPH expected");
        }
        tmp = 0;
        bits = 0;
        return true;
    }
    bool skipSOP() { // bb_skip_sop
        if (bytesLeft < 2 || data[position()] != 0xFF || data[position() + 1] != 0x91) return true;
        bytesLeft -= 2;
        if (bytesLeft < 4) return fail("SOP runs past the tile-part");
        if (data[position()] != 0 || data[position() + 1] != 4) return fail("SOP length not 4");
        bytesLeft -= 4;
        return true;
    }

    /// precinct::parse. False: OpenJPH would fail, overrun or assert here.
    bool precinct(const Resolution &res, const Precinct &p) {
        tmp = bits = 0;
        unstuff = false;
        if (f.sop && !skipSOP()) return false;
        uint32_t first = res.bands == 3 ? 1 : 0, last = res.bands == 3 ? 4 : 1;
        std::vector<uint32_t> lengths[4];
        bool emptyPacket = true;
        for (uint32_t s = first; s < last; ++s) {
            const Rect &cbs = p.blocks[s];
            if (cbs.w == 0 || cbs.h == 0) continue;
            lengths[s].assign(size_t(cbs.w) * cbs.h, 0);
            if (emptyPacket) {
                uint32_t bit;
                readBit(bit);
                if (bit == 0) return terminate();
                emptyPacket = false;
            }
            uint32_t levels = 1 + std::max(log2ceil(cbs.w), log2ceil(cbs.h));
            TagTree inclusion(cbs.w, cbs.h, levels), inclusionSeen(cbs.w, cbs.h, levels);
            TagTree msbs(cbs.w, cbs.h, levels), msbsSeen(cbs.w, cbs.h, levels);
            for (uint32_t y = 0; y < cbs.h; ++y) {
                for (uint32_t x = 0; x < cbs.w; ++x) {
                    bool empty = false;
                    for (uint32_t cl = levels; cl > 0; --cl) {
                        uint32_t l = cl - 1;
                        empty = inclusion.at(x >> l, y >> l, l) == 1;
                        if (empty) break;
                        if (inclusionSeen.at(x >> l, y >> l, l) == 0) {
                            uint32_t bit;
                            if (!readBit(bit)) return fail("ends inside an inclusion tag tree");
                            empty = bit == 0;
                            inclusion.at(x >> l, y >> l, l) = uint8_t(1 - bit);
                            inclusionSeen.at(x >> l, y >> l, l) = 1;
                        }
                        if (empty) break;
                    }
                    if (empty) continue;
                    uint32_t missing = 0;
                    for (uint32_t up = levels; up > 0; --up) {
                        uint32_t l = up - 1;
                        missing = msbs.at(x >> up, y >> up, up);
                        if (msbsSeen.at(x >> l, y >> l, l) == 0) {
                            uint32_t bit = 0;
                            while (bit == 0) {
                                if (!readBit(bit)) return fail("ends inside a zero bit-plane tag tree");
                                missing += 1 - bit;
                            }
                            msbs.at(x >> l, y >> l, l) = uint8_t(missing);
                            msbsSeen.at(x >> l, y >> l, l) = 1;
                        }
                    }
                    const char *passCount = "ends inside a pass count", *lengthField = "ends inside a length field";
                    uint32_t bit, value, passes = 1;
                    if (!readBit(bit)) return fail(passCount);
                    if (bit) {
                        passes = 2;
                        if (!readBit(bit)) return fail(passCount);
                        if (bit) {
                            if (!readBits(2, value, passCount)) return false;
                            passes = 3 + value;
                            if (value == 3) {
                                if (!readBits(5, value, passCount)) return false;
                                passes = 6 + value;
                                if (value == 31) {
                                    if (!readBits(7, value, passCount)) return false;
                                    passes = 37 + value;
                                }
                            }
                        }
                    }
                    uint32_t lengthBits = 3, length1 = 0, length2 = 0;
                    for (bit = 1; bit;) {
                        if (!readBit(bit)) return fail(lengthField);
                        lengthBits += bit;
                    }
                    if (!readBits(lengthBits, length1, lengthField)) return false;
                    if (passes > 1 && !readBits(lengthBits + (passes > 2 ? 1 : 0), length2, lengthField)) return false;
                    lengths[s][size_t(y) * cbs.w + x] = length1 + length2; // uint32 wrap, as 0.9.0
                }
            }
        }
        if (!terminate()) return false;
        for (uint32_t s = first; s < last; ++s) {
            for (uint32_t length : lengths[s]) {
                if (length == 0) continue;
                if (res.skipped) {
                    bytesLeft -= std::min(length, bytesLeft);
                } else {
                    if (length > bytesLeft) return fail("a code-block runs past its tile-part (OpenJPH 0.9 overruns its buffer)");
                    bytesLeft -= length;
                }
            }
        }
        return true;
    }
};

struct Tile {
    std::vector<Resolution> levels;     // by resolution number
};

/// tile::parse_tile_header's packet loop over one tile-part.
bool tilePart(Packets &packets, Tile &tile, const HTJ2KFacts &f, uint32_t skippedLevels) {
    auto one = [&](Resolution &r) {
        bool ok = packets.precinct(r, r.precincts[r.next]);
        ++r.next;
        return ok;
    };
    auto open = [](const Resolution &r) { return r.next < r.precincts.size(); };
    uint32_t top = f.decompositions;
    if (packets.bytesLeft == 0) return true;
    if (f.progression <= 2) { // LRCP, RLCP: all precincts of a resolution; RPCL: one at a time, same order
        for (uint32_t r = 0; r <= top - skippedLevels; ++r) {
            Resolution &res = tile.levels[r];
            while (open(res) && packets.bytesLeft > 0) {
                if (!one(res)) return false;
            }
        }
        return true;
    }
    while (true) { // PCRL, CPRL: the resolution whose next precinct is top-most, then left-most
        bool found = false;
        uint32_t chosen = 0;
        Point smallest{INT32_MAX, INT32_MAX}; // 0.9.0 starts from INT_MAX, and from resolution 0
        for (uint32_t r = 0; r <= top; ++r) {
            const Resolution &res = tile.levels[r];
            if (!open(res)) continue;
            found = true;
            Point p = res.precincts[res.next].image;
            if (p.y < smallest.y || (p.y == smallest.y && p.x < smallest.x)) {
                chosen = r;
                smallest = p;
            }
        }
        if (!found || packets.bytesLeft == 0) return true;
        if (!open(tile.levels[chosen])) return packets.fail("precinct position beyond 2^31 (OpenJPH 0.9 asserts)");
        if (!one(tile.levels[chosen])) return false;
    }
}

} // namespace

bool replayPacketHeaders(const uint8_t *data, size_t size, const HTJ2KFacts &f, uint32_t skippedLevels,
                         std::string &why) {
    if (f.components != 1) { why = "packet headers: only one component is replayed"; return false; }
    if (f.decompositions > 30 || skippedLevels > f.decompositions) { why = "more than 30 decomposition levels"; return false; }
    std::vector<Tile> tiles(size_t(f.tiles));
    uint32_t tilesAcross = (f.xsiz - f.tileX0 + f.tileW - 1) / f.tileW;
    for (const HTJ2KFacts::TilePart &part : f.tileParts) {
        if (part.end > size || part.data > part.end || part.end - part.data > UINT32_MAX) { why = "tile-part bounds"; return false; }
        Tile &tile = tiles[part.tile];
        if (tile.levels.empty()) { // codestream::pre_alloc's tile rectangle, then tile_comp / resolution
            uint32_t ix = part.tile % tilesAcross, iy = part.tile / tilesAcross;
            uint32_t x0 = f.tileX0 + ix * f.tileW, y0 = f.tileY0 + iy * f.tileH;
            Rect rect;
            rect.org = {std::max(x0, f.x0), std::max(y0, f.y0)};
            rect.w = std::min(x0 + f.tileW, f.xsiz) - rect.org.x;
            rect.h = std::min(y0 + f.tileH, f.ysiz) - rect.org.y;
            Point origin = rect.org;
            tile.levels.resize(f.decompositions + 1);
            for (uint32_t r = f.decompositions + 1; r-- > 0;) {
                tile.levels[r] = makeResolution(f, r, rect, origin, skippedLevels);
                uint32_t x1 = (rect.org.x + rect.w + 1) / 2, y1 = (rect.org.y + rect.h + 1) / 2;
                rect.org = {(rect.org.x + 1) / 2, (rect.org.y + 1) / 2};
                rect.w = x1 - rect.org.x;
                rect.h = y1 - rect.org.y;
            }
        }
        Packets packets{data, part.end, f, why};
        packets.bytesLeft = uint32_t(part.end - part.data);
        if (!tilePart(packets, tile, f, skippedLevels)) return false;
    }
    return true;
}

} // namespace cdcmtkshim
