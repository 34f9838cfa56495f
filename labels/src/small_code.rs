//! The reader of a small, soft code held at arm's length, a few pixels a module. Every Custody
//! code is a QR code of version 1 to 3 (21 to 29 modules a side: an identifier of up to 24
//! characters), so its geometry is nearly known: find the three finder patterns on a locally
//! thresholded picture, tell the version by which grid's timing pattern alternates best, lay
//! the grid through their centres, and read each module's grey level (averaged around its
//! centre, never thresholded pixel by pixel, which a blur defeats). The grid is tried with a few
//! thresholds and small shifts; rxing's decoder corrects the errors.

use crate::read::GrayFrame;

/// Modules on a side of the versions a Custody code can be.
const SIDES: [usize; 3] = [21, 25, 29];
/// Modules on a side of the largest.
const MAX_SIDE: usize = 29;

/// A finder pattern's centre and the size of one module there, in pixels.
#[derive(Clone, Copy, Debug)]
struct Finder {
    x: f32,
    y: f32,
    module: f32,
    /// How many scan lines saw it.
    hits: u32,
}

/// Reads a small code of version 1 to 3 in `frame` (an enlarged patch): its text and corners.
pub(crate) fn read_small_code(frame: &GrayFrame) -> Option<(String, [(f32, f32); 4])> {
    let dark = threshold_locally(frame);
    let finders = find_finders(frame, &dark);
    for [tl, tr, bl] in triples(&finders) {
        let Some(grid) = Grid::likeliest(frame, tl, tr, bl) else {
            continue;
        };
        if let Some(text) = sample_and_decode(frame, &grid) {
            let br = (tr.x + bl.x - tl.x, tr.y + bl.y - tl.y);
            // A finder's centre is 3.5 modules in from its corner, the code's centre side / 2.
            let out = 7.0 / (grid.side - 7) as f32;
            let corner = |p: (f32, f32), q: (f32, f32)| (p.0 + (p.0 - q.0) * out, p.1 + (p.1 - q.1) * out);
            let centre = ((tr.x + bl.x) / 2.0, (tr.y + bl.y) / 2.0);
            return Some((
                text,
                [
                    corner((tl.x, tl.y), centre),
                    corner((tr.x, tr.y), centre),
                    corner(br, centre),
                    corner((bl.x, bl.y), centre),
                ],
            ));
        }
    }
    None
}

/// Dark pixels: below the mean of the square around them (a twelfth of the picture's shorter
/// side across, a couple of modules of a small code), so that uneven light does not matter.
fn threshold_locally(frame: &GrayFrame) -> Vec<bool> {
    let (w, h) = (frame.width as usize, frame.height as usize);
    // A patch is at most a few hundred thousand pixels of 255: the sums fit in 32 bits.
    let stride = w + 1;
    let mut integral = vec![0u32; stride * (h + 1)];
    for y in 0..h {
        let mut row = 0u32;
        for x in 0..w {
            row += u32::from(frame.pixels[y * w + x]);
            integral[(y + 1) * stride + x + 1] = integral[y * stride + x + 1] + row;
        }
    }
    let r = (w.min(h) / 24).max(4);
    let mut dark = vec![false; w * h];
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
        let (top, bottom) = (&integral[y0 * stride..], &integral[y1 * stride..]);
        let pixels = &frame.pixels[y * w..(y + 1) * w];
        let row = &mut dark[y * w..(y + 1) * w];
        // At least a grey level below the mean of the square, compared without dividing.
        let is_dark = |x: usize, x0: usize, x1: usize| {
            let sum = bottom[x1] + top[x0] - top[x1] - bottom[x0];
            (u32::from(pixels[x]) + 1) * ((y1 - y0) * (x1 - x0)) as u32 <= sum
        };
        if w <= 2 * r + 1 {
            for (x, d) in row.iter_mut().enumerate() {
                *d = is_dark(x, x.saturating_sub(r), (x + r + 1).min(w));
            }
            continue;
        }
        // Away from the sides the square is whole: the same area for every pixel, and a loop
        // the compiler can widen.
        let area = ((y1 - y0) * (2 * r + 1)) as u32;
        let inner = r..w - r - 1;
        for (((d, &p), (&b1, &b0)), (&t1, &t0)) in row[inner.clone()]
            .iter_mut()
            .zip(&pixels[inner.clone()])
            .zip(bottom[2 * r + 1..w].iter().zip(&bottom[..w - 2 * r - 1]))
            .zip(top[2 * r + 1..w].iter().zip(&top[..w - 2 * r - 1]))
        {
            *d = (u32::from(p) + 1) * area <= b1 + t0 - t1 - b0;
        }
        for x in (0..r).chain(w - r - 1..w) {
            row[x] = is_dark(x, x.saturating_sub(r), (x + r + 1).min(w));
        }
    }
    dark
}

/// Whether five runs (dark, light, dark, light, dark) are in the finder's 1:1:3:1:1, loosely
/// (a blur widens dark runs at the expense of light ones). Returns the module size.
fn finder_ratio(runs: &[usize; 5]) -> Option<f32> {
    let total: usize = runs.iter().sum();
    if total < 7 {
        return None;
    }
    let m = total as f32 / 7.0;
    let near = |run: usize, modules: f32, slack: f32| (run as f32 - modules * m).abs() <= modules * m * slack;
    (near(runs[0], 1.0, 0.75)
        && near(runs[1], 1.0, 0.75)
        && near(runs[2], 3.0, 0.5)
        && near(runs[3], 1.0, 0.75)
        && near(runs[4], 1.0, 0.75))
    .then_some(m)
}

/// The runs of one line of `dark` (alternating, first dark), with where each starts.
fn runs_of(line: impl Iterator<Item = bool>) -> Vec<(usize, usize, bool)> {
    let mut runs: Vec<(usize, usize, bool)> = Vec::new();
    for (i, d) in line.enumerate() {
        match runs.last_mut() {
            Some((_, len, colour)) if *colour == d => *len += 1,
            _ => runs.push((i, 1, d)),
        }
    }
    runs
}

/// Finder candidates: 1:1:3:1:1 across a row, confirmed down its column, merged when close.
fn find_finders(frame: &GrayFrame, dark: &[bool]) -> Vec<Finder> {
    let (w, h) = (frame.width as usize, frame.height as usize);
    let mut found: Vec<Finder> = Vec::new();
    for y in (0..h).step_by(2) {
        let runs = runs_of(dark[y * w..(y + 1) * w].iter().copied());
        for five in runs.windows(5) {
            if !five[0].2 {
                continue;
            }
            let lens = [five[0].1, five[1].1, five[2].1, five[3].1, five[4].1];
            let Some(m) = finder_ratio(&lens) else { continue };
            let cx = five[2].0 as f32 + five[2].1 as f32 / 2.0;
            let Some((cy, mv)) = confirm_vertically(dark, w, h, cx as usize, y, m) else {
                continue;
            };
            if (mv - m).abs() > m * 0.6 {
                continue;
            }
            let module = (m + mv) / 2.0;
            match found
                .iter_mut()
                .find(|f| (f.x - cx).abs() < module * 2.0 && (f.y - cy).abs() < module * 2.0)
            {
                Some(f) => {
                    let n = f.hits as f32;
                    f.x = (f.x * n + cx) / (n + 1.0);
                    f.y = (f.y * n + cy) / (n + 1.0);
                    f.module = (f.module * n + module) / (n + 1.0);
                    f.hits += 1;
                }
                None => found.push(Finder {
                    x: cx,
                    y: cy,
                    module,
                    hits: 1,
                }),
            }
        }
    }
    found.retain(|f| f.hits >= 2);
    found.sort_by_key(|f| std::cmp::Reverse(f.hits));
    found.truncate(8);
    found
}

/// The finder's runs down column `x` through row `y`: its vertical centre and module size.
/// Walks out from the row only as far as a finder `module` pixels a module could reach.
fn confirm_vertically(dark: &[bool], w: usize, h: usize, x: usize, y: usize, module: f32) -> Option<(f32, f32)> {
    let reach = (module * 6.0) as usize + 2;
    let at = |row: usize| dark[row * w + x];
    if !at(y) {
        return None;
    }
    // Run lengths upwards and downwards from the centre row: centre (dark), light, dark.
    let walk = |step: isize| -> Option<[usize; 3]> {
        let mut lens = [0usize; 3];
        let mut colour = true;
        let mut run = 0;
        let mut row = y as isize;
        for _ in 0..reach {
            row += step;
            if row < 0 || row >= h as isize {
                return None;
            }
            if at(row as usize) != colour {
                run += 1;
                if run == 3 {
                    return Some(lens);
                }
                colour = !colour;
            }
            lens[run] += 1;
        }
        None
    };
    let (up, down) = (walk(-1)?, walk(1)?);
    let centre = up[0] + down[0] + 1;
    let m = finder_ratio(&[up[2], up[1], centre, down[1], down[2]])?;
    let top = y - up[0];
    Some((top as f32 + centre as f32 / 2.0, m))
}

/// Threes of finders that could be one small code's (top-left, top-right, bottom-left), the
/// likeliest first: two arms of about equal length at about a right angle, each 14 to 22
/// modules long.
fn triples(finders: &[Finder]) -> Vec<[Finder; 3]> {
    let mut scored: Vec<(f32, [Finder; 3])> = Vec::new();
    let n = finders.len();
    for a in 0..n {
        for b in 0..n {
            for c in b + 1..n {
                if a == b || a == c {
                    continue;
                }
                let (tl, p, q) = (finders[a], finders[b], finders[c]);
                let (ux, uy) = (p.x - tl.x, p.y - tl.y);
                let (vx, vy) = (q.x - tl.x, q.y - tl.y);
                let (lu, lv) = (ux.hypot(uy), vx.hypot(vy));
                let module = (tl.module + p.module + q.module) / 3.0;
                let cos = (ux * vx + uy * vy) / (lu * lv).max(1e-3);
                let span = (lu + lv) / 2.0 / module;
                if cos.abs() > 0.35 || (lu / lv - 1.0).abs() > 0.3 || !(10.0..=29.0).contains(&span) {
                    continue;
                }
                // Top-right is the one clockwise from top-left's other arm (y grows downwards).
                let [tr, bl] = if ux * vy - uy * vx > 0.0 { [p, q] } else { [q, p] };
                let score = cos.abs() + (lu / lv - 1.0).abs();
                scored.push((score, [tl, tr, bl]));
            }
        }
    }
    scored.sort_by(|x, y| x.0.total_cmp(&y.0));
    scored.into_iter().take(2).map(|(_, t)| t).collect()
}

/// The ways the grid is laid and read, likeliest first: (scale about the centre, shift in
/// modules, sharpening strength, threshold between the dark and light levels), chosen on the
/// webcam benchmark's frames at 50–70 px (never on one frame); a grid already tried is not
/// decoded again.
const ATTEMPTS: [(f32, (f32, f32), f32, f32); 24] = {
    const SHIFTS: [(f32, f32); 5] = [(0.0, 0.0), (0.25, 0.0), (-0.25, 0.0), (0.0, 0.25), (0.0, -0.25)];
    let mut all = [(1.0, (0.0, 0.0), 1.0, 0.5); 24];
    let mut i = 0;
    while i < 20 {
        let shift = SHIFTS[i / 4];
        let strength = if i % 2 == 0 { 1.0 } else { 2.0 };
        let share = if (i / 2) % 2 == 0 { 0.5 } else { 0.4 };
        all[i] = (1.0, shift, strength, share);
        i += 1;
    }
    all[20] = (1.03, (0.0, 0.0), 1.0, 0.5);
    all[21] = (0.97, (0.0, 0.0), 1.0, 0.5);
    all[22] = (1.03, (0.25, 0.0), 1.0, 0.5);
    all[23] = (0.97, (0.0, 0.25), 1.0, 0.5);
    all
};

/// A grid laid through three finders' centres: where each module's centre is.
#[derive(Clone, Copy, Debug)]
struct Grid {
    side: usize,
    tl: (f32, f32),
    /// One module along a row, and down a column.
    across: (f32, f32),
    down: (f32, f32),
    module: f32,
}

impl Grid {
    fn new(tl: Finder, tr: Finder, bl: Finder, side: usize) -> Grid {
        let span = (side - 7) as f32;
        Grid {
            side,
            tl: (tl.x, tl.y),
            across: ((tr.x - tl.x) / span, (tr.y - tl.y) / span),
            down: ((bl.x - tl.x) / span, (bl.y - tl.y) / span),
            module: (tl.module + tr.module + bl.module) / 3.0,
        }
    }

    /// The grid of the version whose timing patterns (the alternating modules joining the
    /// finders, along row and column 6) alternate most clearly at its module centres, among
    /// the versions the finders' spacing allows.
    fn likeliest(frame: &GrayFrame, tl: Finder, tr: Finder, bl: Finder) -> Option<Grid> {
        let measured = ((tr.x - tl.x).hypot(tr.y - tl.y) + (bl.x - tl.x).hypot(bl.y - tl.y)) / 2.0;
        let module = (tl.module + tr.module + bl.module) / 3.0;
        SIDES
            .iter()
            .filter(|&&side| (measured / module / (side - 7) as f32 - 1.0).abs() <= 0.35)
            .map(|&side| Grid::new(tl, tr, bl, side))
            .map(|grid| (grid.timing_contrast(frame), grid))
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, grid)| grid)
    }

    /// How clearly the timing modules alternate: the mean difference between each module and
    /// its neighbours, signed as the pattern expects (dark on even places), over the grey range.
    fn timing_contrast(&self, frame: &GrayFrame) -> f32 {
        let along: Vec<(f32, f32)> = (8..self.side - 8).map(|i| (i as f32, 6.0)).collect();
        let mut score = 0.0;
        for line in [along.clone(), along.iter().map(|&(u, v)| (v, u)).collect()] {
            let levels: Vec<f32> = line
                .iter()
                .map(|&(u, v)| {
                    let (x, y) = self.at(u + 0.5, v + 0.5, 1.0, (0.0, 0.0));
                    bilinear(frame, x, y)
                })
                .collect();
            let (lo, hi) = levels
                .iter()
                .fold((f32::MAX, f32::MIN), |(lo, hi), &l| (lo.min(l), hi.max(l)));
            for (i, pair) in levels.windows(2).enumerate() {
                // Place 8 is dark, 9 light, and so on.
                let rise = pair[1] - pair[0];
                score += if i % 2 == 0 { rise } else { -rise } / (hi - lo).max(1.0);
            }
        }
        score / (2 * (self.side - 17)) as f32
    }

    /// Where module place (u, v) lies in the picture, the grid stretched by `scale` about the
    /// code's centre and moved by `shift` modules.
    fn at(&self, u: f32, v: f32, scale: f32, (du, dv): (f32, f32)) -> (f32, f32) {
        let centre = self.side as f32 / 2.0;
        let (u, v) = (centre + (u - centre) * scale + du, centre + (v - centre) * scale + dv);
        (
            self.tl.0 + (u - 3.5) * self.across.0 + (v - 3.5) * self.down.0,
            self.tl.1 + (u - 3.5) * self.across.1 + (v - 3.5) * self.down.1,
        )
    }
}

/// Reads each module's grey level, and decodes the grid in each of the [`ATTEMPTS`] ways until
/// one reads; the levels are sampled once for each way of laying the grid.
fn sample_and_decode(frame: &GrayFrame, grid: &Grid) -> Option<String> {
    let cells = grid.side * grid.side;
    let mut tried: Vec<[u64; MAX_SIDE * MAX_SIDE / 64 + 1]> = Vec::new();
    // Each way of laying the grid (scale, shift) with the levels it gave.
    type Laid = ((f32, (f32, f32)), Vec<f32>);
    let mut sampled: Vec<Laid> = Vec::new();
    for (scale, shift, strength, share) in ATTEMPTS {
        let raw = match sampled.iter().position(|(how, _)| *how == (scale, shift)) {
            Some(i) => &sampled[i].1,
            None => {
                sampled.push(((scale, shift), sample(frame, grid, scale, shift)));
                &sampled[sampled.len() - 1].1
            }
        };
        let levels = sharpen_modules(raw, grid.side, strength);
        // Between the darkest and the lightest third: about half a code's modules are dark.
        // (Each third picked out, not the whole sorted: a sort was a fifth of a failed grid's cost.)
        let third = cells / 3;
        let mut picked = levels.clone();
        picked.select_nth_unstable_by(third, f32::total_cmp);
        let dark = picked[..third].iter().sum::<f32>() / third as f32;
        picked.select_nth_unstable_by(cells - third - 1, f32::total_cmp);
        let light = picked[cells - third..].iter().sum::<f32>() / third as f32;
        let t = dark + (light - dark) * share;
        let mut bits = [0u64; MAX_SIDE * MAX_SIDE / 64 + 1];
        for (i, l) in levels.iter().enumerate() {
            if *l < t {
                bits[i / 64] |= 1 << (i % 64);
            }
        }
        if tried.contains(&bits) {
            continue;
        }
        tried.push(bits);
        let side = grid.side;
        if !crate::grid_check::could_decode(side, &|x, y| levels[y * side + x] < t) {
            continue;
        }
        if let Some(text) = decode_grid(&levels, side, t) {
            return Some(text);
        }
    }
    None
}

/// The text of a `side` × `side` grid whose modules darker than `t` are dark, through rxing's
/// QR decoder (asked only when [`crate::grid_check`] finds the grid could decode).
fn decode_grid(levels: &[f32], side: usize, t: f32) -> Option<String> {
    let mut bits = rxing::common::BitMatrix::with_single_dimension(side as u32).ok()?;
    for (i, l) in levels.iter().enumerate() {
        if *l < t {
            bits.set((i % side) as u32, (i / side) as u32);
        }
    }
    rxing::qrcode::decoder::qrcode_decoder::decode_bitmatrix(&bits)
        .ok()
        .map(|r| r.getText().to_string())
}

/// Each level pushed away from the mean of its (up to eight) neighbours by `strength` times the
/// difference.
fn sharpen_modules(levels: &[f32], side: usize, strength: f32) -> Vec<f32> {
    if strength == 0.0 {
        return levels.to_vec();
    }
    let mut out = Vec::with_capacity(levels.len());
    for y in 0..side {
        for x in 0..side {
            let (mut sum, mut n) = (0.0, 0.0);
            for ny in y.saturating_sub(1)..(y + 2).min(side) {
                for nx in x.saturating_sub(1)..(x + 2).min(side) {
                    if (nx, ny) != (x, y) {
                        sum += levels[ny * side + nx];
                        n += 1.0;
                    }
                }
            }
            let l = levels[y * side + x];
            out.push(l + strength * (l - sum / n));
        }
    }
    out
}

/// Each module's grey level: the mean of nine points close about its centre (a sixth of a
/// module apart). `scale` stretches the grid about the code's centre; `shift` moves it (in modules).
fn sample(frame: &GrayFrame, grid: &Grid, scale: f32, shift: (f32, f32)) -> Vec<f32> {
    let step = grid.module / 6.0;
    let mut levels = Vec::with_capacity(grid.side * grid.side);
    for y in 0..grid.side {
        for x in 0..grid.side {
            let (px, py) = grid.at(x as f32 + 0.5, y as f32 + 0.5, scale, shift);
            let mut sum = 0.0;
            for oy in [-step, 0.0, step] {
                for ox in [-step, 0.0, step] {
                    sum += bilinear(frame, px + ox, py + oy);
                }
            }
            levels.push(sum / 9.0);
        }
    }
    levels
}

fn bilinear(frame: &GrayFrame, x: f32, y: f32) -> f32 {
    let (w, h) = (frame.width as f32, frame.height as f32);
    let (x, y) = (x.clamp(0.0, w - 1.001), y.clamp(0.0, h - 1.001));
    let (x0, y0) = (x as usize, y as usize);
    let (tx, ty) = (x.fract(), y.fract());
    let p = |xx: usize, yy: usize| f32::from(frame.pixels[yy * frame.width as usize + xx]);
    let top = p(x0, y0) * (1.0 - tx) + p(x0 + 1, y0) * tx;
    let bottom = p(x0, y0 + 1) * (1.0 - tx) + p(x0 + 1, y0 + 1) * tx;
    top * (1.0 - ty) + bottom * ty
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A code three pixels a module, blurred by a pixel as a soft lens does, on a grey card, then
    /// enlarged three times as the reader enlarges a small patch.
    fn soft_small_code(text: &str) -> GrayFrame {
        let code = crate::synth::code_picture(text).unwrap();
        let side = code.width() * 3 + 60;
        let mut values = vec![150.0f32; (side * side) as usize];
        for y in 0..code.height() * 3 {
            for x in 0..code.width() * 3 {
                let v = f32::from(code.get_pixel(x / 3, y / 3).0[0]) * 0.7 + 40.0;
                values[((y + 30) * side + x + 30) as usize] = v;
            }
        }
        crate::synth::box_blur(&mut values, side, side, 1);
        let pixels = values.iter().map(|v| v.round() as u8).collect();
        GrayFrame::new(side, side, pixels).enlarged(3)
    }

    /// Versions 2 and 3 too: the longest identifiers, whose codes have more modules.
    #[test]
    fn small_soft_codes_of_every_custody_version_are_read() {
        for (text, side) in [
            ("CU1:I:LT-0042", 21),
            ("CU1:I:Chromebook-17", 25),
            ("CU1:I:Chromebook-cart2-slot-16", 29),
        ] {
            assert_eq!(crate::synth::code_picture(text).unwrap().width(), side + 8, "{text}");
            let frame = soft_small_code(text);
            assert_eq!(
                read_small_code(&frame).map(|(t, _)| t).as_deref(),
                Some(text),
                "version of side {side}"
            );
        }
    }

    #[test]
    fn a_small_soft_code_is_read_module_by_module() {
        let frame = soft_small_code("CU1:I:LT-0042");
        let (text, outline) = read_small_code(&frame).expect("read");
        assert_eq!(text, "CU1:I:LT-0042");
        // The outline lies on the code's corners: its modules begin 42 px in (a quiet zone of
        // four modules inside the card's 30 px), and span 63 px, all enlarged three times.
        let corners = [(126.0, 126.0), (315.0, 126.0), (315.0, 315.0), (126.0, 315.0)];
        for (&(x, y), (cx, cy)) in outline.iter().zip(corners) {
            assert!((x - cx).abs() < 9.0 && (y - cy).abs() < 9.0, "{outline:?}");
        }
    }

    /// The local threshold the plain way, square by square.
    fn threshold_one_by_one(frame: &GrayFrame) -> Vec<bool> {
        let (w, h) = (frame.width as usize, frame.height as usize);
        let r = (w.min(h) / 24).max(4);
        let mut dark = Vec::with_capacity(w * h);
        for y in 0..h {
            for x in 0..w {
                let (mut sum, mut area) = (0u32, 0u32);
                for yy in y.saturating_sub(r)..(y + r + 1).min(h) {
                    for xx in x.saturating_sub(r)..(x + r + 1).min(w) {
                        sum += u32::from(frame.pixels[yy * w + xx]);
                        area += 1;
                    }
                }
                dark.push((u32::from(frame.pixels[y * w + x]) + 1) * area <= sum);
            }
        }
        dark
    }

    #[test]
    fn the_local_threshold_is_the_square_by_square_one() {
        let mut rng = fastrand::Rng::with_seed(33);
        for _ in 0..20 {
            let (w, h) = (rng.u32(1..160), rng.u32(1..120));
            let pixels = (0..w * h).map(|_| rng.u8(..)).collect();
            let frame = GrayFrame::new(w, h, pixels);
            assert_eq!(threshold_locally(&frame), threshold_one_by_one(&frame), "{w}×{h}");
        }
    }

    #[test]
    fn text_and_noise_are_not_a_code() {
        let mut rng = fastrand::Rng::with_seed(7);
        let pixels = (0..300 * 200).map(|_| if rng.bool() { 40 } else { 200 }).collect();
        assert_eq!(read_small_code(&GrayFrame::new(300, 200, pixels)), None);
    }
}
