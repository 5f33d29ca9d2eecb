using System.Globalization;

namespace EtlRouter.Contracts.Routing;

/// <summary>
/// Reads a <see cref="RecordCondition"/>'s text by recursive descent: or binds loosest, then and, then not; a
/// primary is a parenthesised condition, <c>exists field</c>, <c>tag 'name'</c> or <c>field op literal</c>. Every
/// mistake names its 1-based character position.
/// </summary>
internal sealed class RecordConditionParser
{
    private static readonly string[] Operators = ["==", "!=", ">=", "<=", ">", "<", "contains"];

    private readonly string text;
    private readonly List<Token> tokens;
    private int next;

    public RecordConditionParser(string text)
    {
        this.text = text;
        tokens = Tokenize(text);
    }

    public Func<RecordFacts, bool> ParseWhole()
    {
        if (tokens.Count == 0) throw Error(1, "the condition is empty; write one such as status == 'active'");
        var condition = Or();
        if (next < tokens.Count) throw Error(tokens[next], $"'{tokens[next].Text}' is not expected here; join conditions with and / or");
        return condition;
    }

    private Func<RecordFacts, bool> Or()
    {
        var left = And();
        while (Accept("or", "||"))
        {
            var (l, r) = (left, And());
            left = record => l(record) || r(record);
        }

        return left;
    }

    private Func<RecordFacts, bool> And()
    {
        var left = Not();
        while (Accept("and", "&&"))
        {
            var (l, r) = (left, Not());
            left = record => l(record) && r(record);
        }

        return left;
    }

    private Func<RecordFacts, bool> Not()
    {
        if (!Accept("not", "!")) return Primary();
        var inner = Not();
        return record => !inner(record);
    }

    private Func<RecordFacts, bool> Primary()
    {
        var token = Take("a condition");
        if (token.Kind == TokenKind.Symbol && token.Text == "(")
        {
            var inner = Or();
            var close = Take("')'");
            if (close.Text != ")") throw Error(close, $"'{close.Text}' is where ')' should close the '(' at character {token.Position}");
            return inner;
        }

        if (token.IsWord("exists")) return RecordCondition.Exists(Field(Take("a field after exists")));
        if (token.IsWord("tag"))
        {
            var tag = Take("a tag name after tag");
            if (tag.Kind != TokenKind.String) throw Error(tag, $"'{tag.Text}' is not a quoted tag name; write tag '{tag.Text}'");
            return RecordCondition.Tagged(tag.Text);
        }

        var field = Field(token);
        var op = Take("an operator after the field");
        if (!Operators.Contains(op.Kind == TokenKind.Word ? op.Text.ToLowerInvariant() : op.Text))
            throw Error(op, $"'{op.Text}' is not an operator; use ==, !=, >, >=, <, <= or contains");
        return RecordCondition.Comparison(field, op.Text.ToLowerInvariant(), Literal(Take("a value after the operator")));
    }

    private string Field(Token token)
    {
        if (token.Kind == TokenKind.Word && !IsKeyword(token.Text)) return token.Text;
        throw Error(token, $"'{token.Text}' cannot start a condition; write field op value (status == 'active'), exists field, tag 'name', or a condition in parentheses");
    }

    private object Literal(Token token) => token switch
    {
        { Kind: TokenKind.String } => token.Text,
        { Kind: TokenKind.Number } => double.Parse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture),
        _ when token.IsWord("true") => true,
        _ when token.IsWord("false") => false,
        _ => throw Error(token, $"'{token.Text}' is not a value; quote text ('{token.Text}'), or write a number or true/false"),
    };

    private bool Accept(string word, string symbol)
    {
        if (next >= tokens.Count || !(tokens[next].IsWord(word) || (tokens[next].Kind == TokenKind.Symbol && tokens[next].Text == symbol))) return false;
        next++;
        return true;
    }

    private Token Take(string expected) =>
        next < tokens.Count ? tokens[next++] : throw Error(text.Length + 1, $"the condition ends where {expected} should follow");

    private static bool IsKeyword(string word) => word.ToLowerInvariant() is "and" or "or" or "not" or "exists" or "tag" or "contains" or "true" or "false";

    private RecordConditionSyntaxException Error(Token token, string reason) => Error(token.Position, reason);

    private RecordConditionSyntaxException Error(int position, string reason) => new(text, position, reason);

    private List<Token> Tokenize(string source)
    {
        var found = new List<Token>();
        var i = 0;
        while (i < source.Length)
        {
            var c = source[i];
            var start = i;
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '\'' or '"')
            {
                var end = source.IndexOf(c, i + 1);
                if (end < 0) throw Error(start + 1, $"the text starting with {c} has no closing {c}");
                found.Add(new(TokenKind.String, source[(i + 1)..end], start + 1));
                i = end + 1;
            }
            else if (char.IsDigit(c) || (c == '-' && i + 1 < source.Length && char.IsDigit(source[i + 1])))
            {
                i++;
                while (i < source.Length && (char.IsLetterOrDigit(source[i]) || source[i] == '.' || (source[i] is '+' or '-' && source[i - 1] is 'e' or 'E'))) i++;
                var number = source[start..i];
                if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out _)) throw Error(start + 1, $"'{number}' is not a number");
                found.Add(new(TokenKind.Number, number, start + 1));
            }
            else if (char.IsLetter(c) || c == '_')
            {
                while (i < source.Length && (char.IsLetterOrDigit(source[i]) || source[i] is '_' or '.' or '-')) i++;
                found.Add(new(TokenKind.Word, source[start..i].TrimEnd('.', '-'), start + 1));
                i = start + found[^1].Text.Length;
            }
            else if (i + 1 < source.Length && source.Substring(i, 2) is "==" or "!=" or ">=" or "<=" or "&&" or "||")
            {
                found.Add(new(TokenKind.Symbol, source.Substring(i, 2), start + 1));
                i += 2;
            }
            else if (c is '>' or '<' or '(' or ')' or '!')
            {
                found.Add(new(TokenKind.Symbol, c.ToString(), start + 1));
                i++;
            }
            else if (c == '=')
            {
                throw Error(start + 1, "'=' is not an operator; compare with ==");
            }
            else
            {
                throw Error(start + 1, $"'{c}' is not part of the condition language; see the filter connector's expressions");
            }
        }

        return found;
    }

    private enum TokenKind
    {
        Word,
        String,
        Number,
        Symbol,
    }

    private readonly record struct Token(TokenKind Kind, string Text, int Position)
    {
        public bool IsWord(string word) => Kind == TokenKind.Word && string.Equals(Text, word, StringComparison.OrdinalIgnoreCase);
    }
}
