package playbook

import "fmt"

// Limits on one ${{ }} expression, checked by a single linear scan before
// expr-lang parses it. expr-lang's parser recurses once per prefix operator,
// parenthesis, bracket, ternary and right-associative power before it
// counts nodes, so 1,000,000 `!` overflowed the stack (a fatal error no
// recover catches) before its node limit was ever consulted.
const (
	// MaxExprBytes is the longest expression accepted.
	MaxExprBytes = 16 << 10
	// MaxExprNesting bounds brackets open at once, prefix operators in a
	// row (!, not, -, +), and ternaries and powers in one expression.
	MaxExprNesting = 64
)

// exprShapeProblem returns why src is refused before parsing ("" if not).
func exprShapeProblem(src string) string {
	if len(src) > MaxExprBytes {
		return fmt.Sprintf("expression is %d bytes long; the limit is %d", len(src), MaxExprBytes)
	}
	depth, maxDepth, run, maxRun, chains := 0, 0, 0, 0, 0
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			// A string literal: skip to its end (backslash escapes in
			// quoted strings); an unterminated one is the parser's to report.
			for i++; i < len(src) && src[i] != c; i++ {
				if src[i] == '\\' && c != '`' {
					i++
				}
			}
			run = 0
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		case c == '(' || c == '[' || c == '{':
			depth++
			maxDepth = max(maxDepth, depth)
			run = 0
		case c == ')' || c == ']' || c == '}':
			depth--
			run = 0
		case c == '!' && (i+1 >= len(src) || src[i+1] != '='), c == '-', c == '+':
			run++
			maxRun = max(maxRun, run)
		case c == '?' && (i+1 >= len(src) || src[i+1] != '.' && src[i+1] != '?') && (i == 0 || src[i-1] != '?'):
			chains++ // a ternary
			run = 0
		case c == '*' && i+1 < len(src) && src[i+1] == '*', c == '^':
			chains++ // a right-associative power
			run = 0
		case isWordByte(c):
			j := i
			for j < len(src) && isWordByte(src[j]) {
				j++
			}
			if src[i:j] == "not" {
				run++
				maxRun = max(maxRun, run)
			} else {
				run = 0
			}
			i = j - 1
		default:
			run = 0
		}
	}
	switch {
	case maxDepth > MaxExprNesting:
		return fmt.Sprintf("expression nests brackets %d deep; the limit is %d", maxDepth, MaxExprNesting)
	case maxRun > MaxExprNesting:
		return fmt.Sprintf("expression has %d prefix operators in a row; the limit is %d", maxRun, MaxExprNesting)
	case chains > MaxExprNesting:
		return fmt.Sprintf("expression has %d ternaries and powers; the limit is %d", chains, MaxExprNesting)
	}
	return ""
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
