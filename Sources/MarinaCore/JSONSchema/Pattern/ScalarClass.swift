/// A set of code points: what one position of a pattern accepts (a literal, `.`, `\d`, `[a-z]`,
/// `\p{L}`, …). The sets are ECMA-262's: `\d`, `\w` and `\b` are ASCII-only, `\s` is ECMA-262's
/// white space and line terminators, `.` is anything but a line terminator.
indirect enum ScalarClass: Sendable {
    case scalar(UInt32)
    case range(UInt32, UInt32)
    case property(UnicodeProperty)
    case union([ScalarClass])
    case not(ScalarClass)

    static let digit = ScalarClass.range(0x30, 0x39)
    static let word = ScalarClass.union([.range(0x30, 0x39), .range(0x41, 0x5A), .scalar(0x5F), .range(0x61, 0x7A)])
    /// ECMA-262 WhiteSpace (tab, VT, FF, space, NBSP, ZWNBSP and the Zs separators) and
    /// LineTerminator (LF, CR, LS, PS).
    static let space = ScalarClass.union([
        .range(0x09, 0x0D), .scalar(0x20), .scalar(0xA0), .scalar(0x1680), .range(0x2000, 0x200A),
        .range(0x2028, 0x2029), .scalar(0x202F), .scalar(0x205F), .scalar(0x3000), .scalar(0xFEFF),
    ])
    static let lineTerminator = ScalarClass.union([.scalar(0x0A), .scalar(0x0D), .range(0x2028, 0x2029)])
    static let notLineTerminator = ScalarClass.not(lineTerminator)

    func contains(_ s: Unicode.Scalar) -> Bool {
        switch self {
        case .scalar(let v): return s.value == v
        case .range(let lo, let hi): return lo <= s.value && s.value <= hi
        case .property(let p): return p.contains(s)
        case .union(let members):
            for m in members where m.contains(s) { return true }
            return false
        case .not(let inner): return !inner.contains(s)
        }
    }

    /// ECMA-262's word characters, for `\b`.
    static func isWord(_ s: Unicode.Scalar?) -> Bool {
        guard let v = s?.value else { return false }
        return (0x30...0x39).contains(v) || (0x41...0x5A).contains(v) || v == 0x5F || (0x61...0x7A).contains(v)
    }
}

/// A Unicode property of `\p{…}` and `\P{…}`: a General_Category value (`L`, `Letter`, `Lu`,
/// `General_Category=Lu`, `gc=Lu`) or a binary property (`Alphabetic`, `White_Space`, `Emoji`, …),
/// under ECMA-262's names. Script properties are refused: the Swift standard library has no script
/// data, and a pattern must not mean something else on another platform.
struct UnicodeProperty: Sendable {
    let name: String
    private let test: @Sendable (Unicode.Scalar) -> Bool

    func contains(_ s: Unicode.Scalar) -> Bool { test(s) }

    init?(_ text: String) {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        if parts.count == 2 {
            guard parts[0] == "General_Category" || parts[0] == "gc", let categories = Self.categories[parts[1]] else { return nil }
            self.init(name: text) { categories.contains($0.properties.generalCategory) }
        } else if let categories = Self.categories[text] {
            self.init(name: text) { categories.contains($0.properties.generalCategory) }
        } else if let binary = Self.binary[text] {
            self.init(name: text, test: binary)
        } else {
            return nil
        }
    }

    private init(name: String, test: @escaping @Sendable (Unicode.Scalar) -> Bool) {
        self.name = name
        self.test = test
    }

    static func refusal(_ text: String) -> String {
        let key = text.split(separator: "=", maxSplits: 1).first.map(String.init) ?? text
        if ["Script", "sc", "Script_Extensions", "scx"].contains(key) {
            return "\\p{\(text)}: script properties are not supported; write the code point ranges in a class"
        }
        return
            "\\p{\(text)} is not a Unicode property Marina knows (General_Category values such as L or Lu, binary properties such as Alphabetic or White_Space)"
    }

    private static let categories: [String: Set<Unicode.GeneralCategory>] = {
        let letters: Set<Unicode.GeneralCategory> = [.uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter]
        let cased: Set<Unicode.GeneralCategory> = [.uppercaseLetter, .lowercaseLetter, .titlecaseLetter]
        let marks: Set<Unicode.GeneralCategory> = [.nonspacingMark, .spacingMark, .enclosingMark]
        let numbers: Set<Unicode.GeneralCategory> = [.decimalNumber, .letterNumber, .otherNumber]
        let punctuation: Set<Unicode.GeneralCategory> = [
            .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation,
        ]
        let symbols: Set<Unicode.GeneralCategory> = [.mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol]
        let separators: Set<Unicode.GeneralCategory> = [.spaceSeparator, .lineSeparator, .paragraphSeparator]
        let other: Set<Unicode.GeneralCategory> = [.control, .format, .surrogate, .privateUse, .unassigned]
        let table: [([String], Set<Unicode.GeneralCategory>)] = [
            (["L", "Letter"], letters), (["LC", "Cased_Letter"], cased),
            (["Lu", "Uppercase_Letter"], [.uppercaseLetter]), (["Ll", "Lowercase_Letter"], [.lowercaseLetter]),
            (["Lt", "Titlecase_Letter"], [.titlecaseLetter]), (["Lm", "Modifier_Letter"], [.modifierLetter]),
            (["Lo", "Other_Letter"], [.otherLetter]),
            (["M", "Mark", "Combining_Mark"], marks), (["Mn", "Nonspacing_Mark"], [.nonspacingMark]),
            (["Mc", "Spacing_Mark"], [.spacingMark]), (["Me", "Enclosing_Mark"], [.enclosingMark]),
            (["N", "Number"], numbers), (["Nd", "Decimal_Number", "digit"], [.decimalNumber]),
            (["Nl", "Letter_Number"], [.letterNumber]), (["No", "Other_Number"], [.otherNumber]),
            (["P", "Punctuation", "punct"], punctuation), (["Pc", "Connector_Punctuation"], [.connectorPunctuation]),
            (["Pd", "Dash_Punctuation"], [.dashPunctuation]), (["Ps", "Open_Punctuation"], [.openPunctuation]),
            (["Pe", "Close_Punctuation"], [.closePunctuation]), (["Pi", "Initial_Punctuation"], [.initialPunctuation]),
            (["Pf", "Final_Punctuation"], [.finalPunctuation]), (["Po", "Other_Punctuation"], [.otherPunctuation]),
            (["S", "Symbol"], symbols), (["Sm", "Math_Symbol"], [.mathSymbol]), (["Sc", "Currency_Symbol"], [.currencySymbol]),
            (["Sk", "Modifier_Symbol"], [.modifierSymbol]), (["So", "Other_Symbol"], [.otherSymbol]),
            (["Z", "Separator"], separators), (["Zs", "Space_Separator"], [.spaceSeparator]),
            (["Zl", "Line_Separator"], [.lineSeparator]), (["Zp", "Paragraph_Separator"], [.paragraphSeparator]),
            (["C", "Other"], other), (["Cc", "Control", "cntrl"], [.control]), (["Cf", "Format"], [.format]),
            (["Cs", "Surrogate"], [.surrogate]), (["Co", "Private_Use"], [.privateUse]), (["Cn", "Unassigned"], [.unassigned]),
        ]
        var out: [String: Set<Unicode.GeneralCategory>] = [:]
        for (names, set) in table { for n in names { out[n] = set } }
        return out
    }()

    private static let binary: [String: @Sendable (Unicode.Scalar) -> Bool] = {
        let table: [([String], @Sendable (Unicode.Scalar) -> Bool)] = [
            (["ASCII"], { $0.value < 0x80 }),
            (["Any"], { _ in true }),
            (["Assigned"], { $0.properties.generalCategory != .unassigned }),
            (["ASCII_Hex_Digit", "AHex"], { $0.properties.isASCIIHexDigit }),
            (["Alphabetic", "Alpha"], { $0.properties.isAlphabetic }),
            (["Bidi_Control", "Bidi_C"], { $0.properties.isBidiControl }),
            (["Bidi_Mirrored", "Bidi_M"], { $0.properties.isBidiMirrored }),
            (["Case_Ignorable", "CI"], { $0.properties.isCaseIgnorable }),
            (["Cased"], { $0.properties.isCased }),
            (["Changes_When_Casefolded", "CWCF"], { $0.properties.changesWhenCaseFolded }),
            (["Changes_When_Casemapped", "CWCM"], { $0.properties.changesWhenCaseMapped }),
            (["Changes_When_Lowercased", "CWL"], { $0.properties.changesWhenLowercased }),
            (["Changes_When_NFKC_Casefolded", "CWKCF"], { $0.properties.changesWhenNFKCCaseFolded }),
            (["Changes_When_Titlecased", "CWT"], { $0.properties.changesWhenTitlecased }),
            (["Changes_When_Uppercased", "CWU"], { $0.properties.changesWhenUppercased }),
            (["Dash"], { $0.properties.isDash }),
            (["Default_Ignorable_Code_Point", "DI"], { $0.properties.isDefaultIgnorableCodePoint }),
            (["Deprecated", "Dep"], { $0.properties.isDeprecated }),
            (["Diacritic", "Dia"], { $0.properties.isDiacritic }),
            (["Emoji"], { $0.properties.isEmoji }),
            (["Emoji_Modifier", "EMod"], { $0.properties.isEmojiModifier }),
            (["Emoji_Modifier_Base", "EBase"], { $0.properties.isEmojiModifierBase }),
            (["Emoji_Presentation", "EPres"], { $0.properties.isEmojiPresentation }),
            (["Extender", "Ext"], { $0.properties.isExtender }),
            (["Grapheme_Base", "Gr_Base"], { $0.properties.isGraphemeBase }),
            (["Grapheme_Extend", "Gr_Ext"], { $0.properties.isGraphemeExtend }),
            (["Hex_Digit", "Hex"], { $0.properties.isHexDigit }),
            (["IDS_Binary_Operator", "IDSB"], { $0.properties.isIDSBinaryOperator }),
            (["IDS_Trinary_Operator", "IDST"], { $0.properties.isIDSTrinaryOperator }),
            (["ID_Continue", "IDC"], { $0.properties.isIDContinue }),
            (["ID_Start", "IDS"], { $0.properties.isIDStart }),
            (["Ideographic", "Ideo"], { $0.properties.isIdeographic }),
            (["Join_Control", "Join_C"], { $0.properties.isJoinControl }),
            (["Logical_Order_Exception", "LOE"], { $0.properties.isLogicalOrderException }),
            (["Lowercase", "Lower"], { $0.properties.isLowercase }),
            (["Math"], { $0.properties.isMath }),
            (["Noncharacter_Code_Point", "NChar"], { $0.properties.isNoncharacterCodePoint }),
            (["Pattern_Syntax", "Pat_Syn"], { $0.properties.isPatternSyntax }),
            (["Pattern_White_Space", "Pat_WS"], { $0.properties.isPatternWhitespace }),
            (["Quotation_Mark", "QMark"], { $0.properties.isQuotationMark }),
            (["Radical"], { $0.properties.isRadical }),
            (["Regional_Indicator", "RI"], { (0x1F1E6...0x1F1FF).contains($0.value) }),
            (["Sentence_Terminal", "STerm"], { $0.properties.isSentenceTerminal }),
            (["Soft_Dotted", "SD"], { $0.properties.isSoftDotted }),
            (["Terminal_Punctuation", "Term"], { $0.properties.isTerminalPunctuation }),
            (["Unified_Ideograph", "UIdeo"], { $0.properties.isUnifiedIdeograph }),
            (["Uppercase", "Upper"], { $0.properties.isUppercase }),
            (["Variation_Selector", "VS"], { $0.properties.isVariationSelector }),
            (["White_Space", "space"], { $0.properties.isWhitespace }),
            (["XID_Continue", "XIDC"], { $0.properties.isXIDContinue }),
            (["XID_Start", "XIDS"], { $0.properties.isXIDStart }),
        ]
        var out: [String: @Sendable (Unicode.Scalar) -> Bool] = [:]
        for (names, test) in table { for n in names { out[n] = test } }
        return out
    }()
}
