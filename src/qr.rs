//! A QR code drawn with text: two rows of modules to a line (▀ ▄ █), dark on the
//! terminal's light or light on its dark — a phone's camera reads either, as long as
//! the quiet zone around it is there. So a sign-in address need not be typed on the
//! phone that signs in.

/// The lines of a QR code for `data` (none if it cannot be made: too long).
pub fn lines(data: &str) -> Vec<String> {
    let Ok(code) = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::L) else {
        return Vec::new();
    };
    let width = code.width();
    let colors = code.to_colors();
    // Dark modules, with a quiet zone of two modules around (readers want some).
    const QUIET: usize = 2;
    let size = width + 2 * QUIET;
    let dark = |x: usize, y: usize| -> bool {
        x >= QUIET
            && y >= QUIET
            && x < width + QUIET
            && y < width + QUIET
            && colors[(y - QUIET) * width + (x - QUIET)] == qrcode::Color::Dark
    };
    // Light modules are drawn as blocks: on a dark terminal that is the usual
    // light-background code; on a light one, inverted, which phones read as well.
    (0..size)
        .step_by(2)
        .map(|y| {
            (0..size)
                .map(|x| match (!dark(x, y), y + 1 < size && !dark(x, y + 1)) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_code_is_square_with_its_quiet_zone_and_too_much_gives_none() {
        let lines = super::lines("https://sitroom.kommune.no/sso?code=KXQT-MBRW");
        let width = lines[0].chars().count();
        // Version 3 (29 modules) and two quiet modules each side; two rows a line.
        assert_eq!(width, 33);
        assert_eq!(lines.len(), 33_usize.div_ceil(2));
        assert!(lines.iter().all(|l| l.chars().count() == width));
        assert!(lines[0].chars().all(|c| c == '█'), "the quiet zone is light");
        assert!(super::lines(&"x".repeat(5000)).is_empty(), "too long for a QR code");
    }
}
