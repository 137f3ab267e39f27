import Testing
import NTA

@Suite("Size window text: MIN-MAX in nm")
struct SizeWindowParsingTests {
    @Test("a hyphen, or the en dash the reports print (30–150) or an em dash, separates MIN from MAX")
    func dashes() throws {
        for text in ["30-150", "30–150", "30—150", " 30 – 150 ", "0-1e3"] {
            let w = try SizeWindow.parse(text)
            #expect(w == SizeWindow(minNm: text == "0-1e3" ? 0 : 30, maxNm: text == "0-1e3" ? 1000 : 150), "\(text)")
            #expect(SizeWindow(parsing: text) == w)
        }
    }

    @Test("a minus sign is a negative bound, not a range from 5; reversed or malformed ranges are told apart")
    func refusals() {
        for text in ["-5-30", "-5–30", "30--5", "30–-5", "−5-30"] {
            #expect(throws: SizeWindowParseError.negativeBound(text), "\(text)") { try SizeWindow.parse(text) }
        }
        for text in ["150-30", "30–30"] {
            #expect(throws: SizeWindowParseError.notIncreasing(text), "\(text)") { try SizeWindow.parse(text) }
        }
        for text in ["30-", "–150", "30~150", "0x10-0x20", "30-inf", "", "30-150-200"] {
            #expect(throws: SizeWindowParseError.notARange(text), "\(text)") { try SizeWindow.parse(text) }
            #expect(SizeWindow(parsing: text) == nil)
        }
        #expect(SizeWindowParseError.negativeBound("-5-30").description
                == "expected positive bounds (sizes in nm; MIN may be 0), found \"-5-30\"")
    }
}
