//! Whether a small code's grid (version 1 to 3) could decode at all, before rxing's decoder is
//! asked: its format information within three bits of a valid one, and each block's errors
//! within what Reed–Solomon corrects. The module-by-module reader tries a grid two dozen ways,
//! and on a patch with no readable code every try fails; rxing takes some 60 µs to find that
//! out (it reads the grid twice, the second time mirrored), this some 3 µs. It never says no
//! to a grid rxing would read (tested on damaged codes, as they are and mirrored).

/// How the grid's modules read: `dark(x, y)`, column x of row y.
pub(crate) fn could_decode(side: usize, dark: &dyn Fn(usize, usize) -> bool) -> bool {
    correctable(side, dark) || correctable(side, &|x, y| dark(y, x))
}

fn correctable(side: usize, dark: &dyn Fn(usize, usize) -> bool) -> bool {
    let Some((level, mask)) = format(side, dark) else {
        return false;
    };
    let version = (side - 17) / 4;
    let (blocks, per_block, ec) = BLOCKS[version - 1][level];
    let codewords = codewords(side, dark, mask);
    if codewords.len() < blocks * per_block {
        return false;
    }
    (0..blocks).all(|b| {
        let block: Vec<u8> = (0..per_block).map(|k| codewords[k * blocks + b]).collect();
        errors_correctable(&block, ec)
    })
}

/// Blocks, codewords a block and error-correction codewords a block, by version (1 to 3) and
/// level (as the format information numbers them: M, L, H, Q). Every block of these versions
/// is the same size, so their codewords simply alternate.
const BLOCKS: [[(usize, usize, usize); 4]; 3] = [
    [(1, 26, 10), (1, 26, 7), (1, 26, 17), (1, 26, 13)],
    [(1, 44, 16), (1, 44, 10), (1, 44, 28), (1, 44, 22)],
    [(1, 70, 26), (1, 70, 15), (2, 35, 22), (2, 35, 18)],
];

/// The level and mask of the nearer copy of the format information, if within three bits of
/// a valid word.
fn format(side: usize, dark: &dyn Fn(usize, usize) -> bool) -> Option<(usize, usize)> {
    let mut first = 0u16;
    let push = |word: &mut u16, bit: bool| *word = (*word << 1) | u16::from(bit);
    for x in (0..6).chain([7, 8]) {
        push(&mut first, dark(x, 8));
    }
    push(&mut first, dark(8, 7));
    for y in (0..6).rev() {
        push(&mut first, dark(8, y));
    }
    let mut second = 0u16;
    for y in (side - 7..side).rev() {
        push(&mut second, dark(8, y));
    }
    for x in side - 8..side {
        push(&mut second, dark(x, 8));
    }
    // As rxing chooses: the nearest masked word within three bits; failing that, the nearest
    // unmasked one (some printers leave the format information unmasked).
    let nearest = |unmask: u16| {
        (0u16..32)
            .map(|data| (format_word(data) ^ unmask, data))
            .map(|(word, data)| (((word ^ first).count_ones()).min((word ^ second).count_ones()), data))
            .min()
            .filter(|(distance, _)| *distance <= 3)
    };
    nearest(0)
        .or_else(|| nearest(0x5412))
        .map(|(_, data)| (usize::from(data >> 3), usize::from(data & 7)))
}

/// Five bits of format data with their BCH(15, 5) check bits, masked as QR codes mask them.
fn format_word(data: u16) -> u16 {
    let mut rem = u32::from(data) << 10;
    for bit in (10..15).rev() {
        if rem & (1 << bit) != 0 {
            rem ^= 0x537 << (bit - 10);
        }
    }
    (((u32::from(data) << 10) | rem) ^ 0x5412) as u16
}

/// Whether module (x, y) is part of a function pattern (finders with their separators and
/// format information, timing, the alignment pattern of versions 2 and 3).
fn is_function(side: usize, x: usize, y: usize) -> bool {
    let near = |c: usize, at: usize| c.abs_diff(at) <= 2;
    let (left, top) = (x < 9, y < 9);
    let (right, bottom) = (x >= side - 8, y >= side - 8);
    (left && (top || bottom))
        || (right && top)
        || x == 6
        || y == 6
        || (side > 21 && near(x, side - 7) && near(y, side - 7))
}

fn masked(mask: usize, x: usize, y: usize) -> bool {
    let (i, j) = (y, x);
    match mask {
        0 => (i + j) % 2 == 0,
        1 => i % 2 == 0,
        2 => j % 3 == 0,
        3 => (i + j) % 3 == 0,
        4 => (i / 2 + j / 3) % 2 == 0,
        5 => (i * j) % 2 + (i * j) % 3 == 0,
        6 => ((i * j) % 2 + (i * j) % 3) % 2 == 0,
        _ => ((i + j) % 2 + (i * j) % 3) % 2 == 0,
    }
}

/// The codewords in the order they are placed: two columns at a time from the right, up and
/// down in turn, the timing column skipped.
fn codewords(side: usize, dark: &dyn Fn(usize, usize) -> bool, mask: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(70);
    let (mut byte, mut bits) = (0u8, 0);
    let mut up = true;
    let mut right = side - 1;
    while right > 0 {
        if right == 6 {
            right -= 1;
        }
        for count in 0..side {
            let y = if up { side - 1 - count } else { count };
            for x in [right, right - 1] {
                if !is_function(side, x, y) {
                    byte = (byte << 1) | u8::from(dark(x, y) ^ masked(mask, x, y));
                    bits += 1;
                    if bits == 8 {
                        out.push(byte);
                        (byte, bits) = (0, 0);
                    }
                }
            }
        }
        up = !up;
        right = right.saturating_sub(2);
    }
    out
}

/// GF(256) under the QR codes' polynomial x⁸ + x⁴ + x³ + x² + 1: powers of 2 and their logs.
struct Field {
    exp: [u8; 512],
    log: [u8; 256],
}

fn field() -> &'static Field {
    static FIELD: std::sync::OnceLock<Field> = std::sync::OnceLock::new();
    FIELD.get_or_init(|| {
        let mut f = Field {
            exp: [0; 512],
            log: [0; 256],
        };
        let mut x = 1u16;
        for i in 0..255 {
            f.exp[i] = x as u8;
            f.exp[i + 255] = x as u8;
            f.log[x as usize] = i as u8;
            x <<= 1;
            if x & 0x100 != 0 {
                x ^= 0x11d;
            }
        }
        f
    })
}

impl Field {
    fn mul(&self, a: u8, b: u8) -> u8 {
        if a == 0 || b == 0 {
            0
        } else {
            self.exp[usize::from(self.log[usize::from(a)]) + usize::from(self.log[usize::from(b)])]
        }
    }

    fn inv(&self, a: u8) -> u8 {
        self.exp[255 - usize::from(self.log[usize::from(a)])]
    }
}

/// Whether a block (data, then its `ec` check codewords) has no more errors than its check
/// codewords correct: its syndromes, the error locator by Berlekamp–Massey, and that locator's
/// roots all inside the block.
fn errors_correctable(block: &[u8], ec: usize) -> bool {
    let f = field();
    // The syndromes: the block, first codeword highest, at 2⁰ … 2^(ec−1).
    let syndromes: Vec<u8> = (0..ec)
        .map(|i| block.iter().fold(0u8, |acc, &c| f.mul(acc, f.exp[i]) ^ c))
        .collect();
    if syndromes.iter().all(|&s| s == 0) {
        return true;
    }
    // Berlekamp–Massey: the shortest Λ(x) that generates the syndromes.
    let mut locator = vec![1u8];
    let mut previous = vec![1u8];
    let (mut errors, mut shift, mut last_discrepancy) = (0usize, 1usize, 1u8);
    for n in 0..ec {
        let discrepancy =
            (0..=errors.min(locator.len() - 1)).fold(0u8, |acc, i| acc ^ f.mul(locator[i], syndromes[n - i]));
        if discrepancy == 0 {
            shift += 1;
            continue;
        }
        let factor = f.mul(discrepancy, f.inv(last_discrepancy));
        let mut next = locator.clone();
        next.resize(next.len().max(previous.len() + shift), 0);
        for (i, &p) in previous.iter().enumerate() {
            next[i + shift] ^= f.mul(factor, p);
        }
        if 2 * errors <= n {
            previous = std::mem::replace(&mut locator, next);
            errors = n + 1 - errors;
            last_discrepancy = discrepancy;
            shift = 1;
        } else {
            locator = next;
            shift += 1;
        }
    }
    while locator.len() > 1 && locator[locator.len() - 1] == 0 {
        locator.pop();
    }
    let degree = locator.len() - 1;
    if degree == 0 || 2 * degree > ec {
        return false;
    }
    // Its roots are the inverses of 2^position, for positions within the block.
    let roots = (0..block.len())
        .filter(|&position| {
            let x = f.exp[(255 - position % 255) % 255];
            let mut power = 1u8;
            let mut sum = 0u8;
            for &c in &locator {
                sum ^= f.mul(c, power);
                power = f.mul(power, x);
            }
            sum == 0
        })
        .count();
    roots == degree
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A code's modules, as the printer draws them.
    fn modules(text: &str, level: qrcode::EcLevel) -> (usize, Vec<bool>) {
        let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), level).unwrap();
        let side = code.width();
        (
            side,
            code.to_colors().iter().map(|c| *c == qrcode::Color::Dark).collect(),
        )
    }

    fn rxing_reads(side: usize, dark: &[bool]) -> bool {
        let mut bits = rxing::common::BitMatrix::with_single_dimension(side as u32).unwrap();
        for (i, &d) in dark.iter().enumerate() {
            if d {
                bits.set((i % side) as u32, (i / side) as u32);
            }
        }
        rxing::qrcode::decoder::qrcode_decoder::decode_bitmatrix(&bits).is_ok()
    }

    /// Codes of each version and level (version 3's Q and H in two blocks), some with their format
    /// information left unmasked, with ever more modules flipped, as they are and mirrored:
    /// whatever rxing reads, this lets through; and it turns away most of what rxing does not.
    #[test]
    fn it_lets_through_every_grid_rxing_reads() {
        use qrcode::EcLevel;
        let mut rng = fastrand::Rng::with_seed(33);
        let (mut read, mut refused_unread, mut unread) = (0, 0, 0);
        for text in ["CU1:I:LT-0042", "CU1:I:Chromebook-17", "CU1:I:Chromebook-cart2-slot-16"] {
            for level in [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H] {
                let (side, clean) = modules(text, level);
                if side > 29 {
                    continue; // beyond version 3 (the longest text at level H)
                }
                for round in 0..120 {
                    let mut dark = clean.clone();
                    if round % 4 == 0 {
                        unmask_format(&mut dark, side);
                    }
                    for _ in 0..rng.usize(0..40) {
                        let i = rng.usize(..dark.len());
                        dark[i] = !dark[i];
                    }
                    if rng.bool() {
                        dark = (0..side * side).map(|i| dark[(i % side) * side + i / side]).collect();
                    }
                    let passes = could_decode(side, &|x, y| dark[y * side + x]);
                    if rxing_reads(side, &dark) {
                        read += 1;
                        assert!(passes, "{text} ({level:?}): rxing reads a grid this turned away");
                    } else {
                        unread += 1;
                        refused_unread += usize::from(!passes);
                    }
                }
            }
        }
        assert!(read > 400 && unread > 400, "{read} read, {unread} not");
        assert!(
            refused_unread * 10 >= unread * 9,
            "{refused_unread} of {unread} unreadable turned away"
        );
    }

    /// Both copies of the format information with QR codes' mask taken off, as some printers
    /// leave it.
    fn unmask_format(dark: &mut [bool], side: usize) {
        let mut first: Vec<(usize, usize)> = (0..6).chain([7, 8]).map(|x| (x, 8)).collect();
        first.push((8, 7));
        first.extend((0..6).rev().map(|y| (8, y)));
        let mut second: Vec<(usize, usize)> = (side - 7..side).rev().map(|y| (8, y)).collect();
        second.extend((side - 8..side).map(|x| (x, 8)));
        for copy in [first, second] {
            for (i, (x, y)) in copy.into_iter().enumerate() {
                if 0x5412 & (1 << (14 - i)) != 0 {
                    dark[y * side + x] = !dark[y * side + x];
                }
            }
        }
    }
}
