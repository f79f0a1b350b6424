namespace PreDnatAppliance.Policy.Selectors;

/// <summary>
/// Splits selector text into tokens the way Calico's libcalico-go selector tokenizer does, including its
/// error texts. The whole input is tokenized before parsing starts, as in Calico, so a lexical error wins
/// over a grammatical one further left.
/// </summary>
internal static class Tokenizer
{
    public const int MaxLabelLength = 512;

    public static List<Token> Tokenize(string input)
    {
        var tokens = new List<Token>();
        var pos = 0;
        while (true)
        {
            pos = SkipWhitespace(input, pos);
            if (pos == input.Length)
            {
                tokens.Add(new Token(TokenKind.Eof));
                return tokens;
            }

            var c = input[pos];
            switch (c)
            {
                case '(':
                    tokens.Add(new Token(TokenKind.LParen));
                    pos++;
                    break;
                case ')':
                    tokens.Add(new Token(TokenKind.RParen));
                    pos++;
                    break;
                case '{':
                    tokens.Add(new Token(TokenKind.LBrace));
                    pos++;
                    break;
                case '}':
                    tokens.Add(new Token(TokenKind.RBrace));
                    pos++;
                    break;
                case ',':
                    tokens.Add(new Token(TokenKind.Comma));
                    pos++;
                    break;
                case '"':
                case '\'':
                    // No escapes: the literal simply runs to the next quote of the same kind.
                    var close = input.IndexOf(c, pos + 1);
                    if (close < 0)
                        throw new SelectorParseException("unterminated string");
                    tokens.Add(new Token(TokenKind.StringLiteral, input.Substring(pos + 1, close - pos - 1)));
                    pos = close + 1;
                    break;
                case '=':
                    pos = ExpectDoubled(input, pos, '=', "expected ==");
                    tokens.Add(new Token(TokenKind.Eq));
                    break;
                case '&':
                    pos = ExpectDoubled(input, pos, '&', "expected &&");
                    tokens.Add(new Token(TokenKind.And));
                    break;
                case '|':
                    pos = ExpectDoubled(input, pos, '|', "expected ||");
                    tokens.Add(new Token(TokenKind.Or));
                    break;
                case '!':
                    if (pos + 1 < input.Length && input[pos + 1] == '=')
                    {
                        tokens.Add(new Token(TokenKind.Ne));
                        pos += 2;
                    }
                    else
                    {
                        tokens.Add(new Token(TokenKind.Not));
                        pos++;
                    }
                    break;
                default:
                    pos = ReadWord(input, pos, tokens);
                    break;
            }
        }
    }

    public static bool IsLabelChar(char c) =>
        c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_' or '.' or '/' or '-';

    private static int ReadWord(string input, int pos, List<Token> tokens)
    {
        // Word operators are only recognised straight after a label; that is what lets a label itself be
        // called "in" or "contains".
        if (tokens.Count > 0 && tokens[tokens.Count - 1].Kind == TokenKind.Label)
        {
            if (TryCutWords(input, pos, out var end, "contains"))
                tokens.Add(new Token(TokenKind.Contains));
            else if (TryCutWords(input, pos, out end, "starts", "with"))
                tokens.Add(new Token(TokenKind.StartsWith));
            else if (TryCutWords(input, pos, out end, "ends", "with"))
                tokens.Add(new Token(TokenKind.EndsWith));
            else if (TryCutWords(input, pos, out end, "not", "in"))
                tokens.Add(new Token(TokenKind.NotIn));
            else if (TryCutWords(input, pos, out end, "in"))
                tokens.Add(new Token(TokenKind.In));
            else
                throw new SelectorParseException(
                    "expected operator after label \"" + tokens[tokens.Count - 1].Value + "\"");
            return end;
        }

        if (HasPrefix(input, pos, "has("))
        {
            pos = SkipWhitespace(input, pos + 4);
            var label = ReadIdentifier(input, ref pos);
            pos = SkipWhitespace(input, pos);
            if (pos == input.Length || input[pos] != ')')
                throw new SelectorParseException("no closing ')' after has(");
            tokens.Add(new Token(TokenKind.Has, label));
            return pos + 1;
        }

        if (HasPrefix(input, pos, "all("))
        {
            pos = ExpectEmptyCall(input, pos + 4, "no closing ')' after all(");
            tokens.Add(new Token(TokenKind.All));
            return pos;
        }

        if (HasPrefix(input, pos, "global("))
        {
            pos = ExpectEmptyCall(input, pos + 7, "no closing ')' after global(");
            tokens.Add(new Token(TokenKind.Global));
            return pos;
        }

        var ident = ReadIdentifier(input, ref pos);
        tokens.Add(new Token(TokenKind.Label, ident));
        return pos;
    }

    private static string ReadIdentifier(string input, ref int pos)
    {
        var start = pos;
        while (pos < input.Length && IsLabelChar(input[pos]))
            pos++;
        var length = pos - start;
        if (length == 0)
            throw new SelectorParseException("expected identifier");
        var ident = input.Substring(start, length);
        if (length > MaxLabelLength)
            throw new SelectorParseException("label too long: " + ident);
        return ident;
    }

    // Whitespace is allowed between the words of a multi-word operator and may even be absent ("notin",
    // "startswith"); only the end of the last word must be a word boundary. Like Calico, a multi-word
    // operator skips whitespace after its last word before that check, so `a not in b` fails here while
    // `a in b` only fails later in the parser; that only changes which message is reported.
    private static bool TryCutWords(string input, int pos, out int end, params string[] words)
    {
        end = pos;
        var cursor = pos;
        foreach (var word in words)
        {
            if (!HasPrefix(input, cursor, word))
                return false;
            cursor += word.Length;
            if (words.Length > 1)
                cursor = SkipWhitespace(input, cursor);
        }

        if (cursor < input.Length && IsLabelChar(input[cursor]))
            return false;
        end = cursor;
        return true;
    }

    private static int ExpectEmptyCall(string input, int pos, string error)
    {
        pos = SkipWhitespace(input, pos);
        if (pos == input.Length || input[pos] != ')')
            throw new SelectorParseException(error);
        return pos + 1;
    }

    private static int ExpectDoubled(string input, int pos, char c, string error)
    {
        if (pos + 1 < input.Length && input[pos + 1] == c)
            return pos + 2;
        throw new SelectorParseException(error);
    }

    private static bool HasPrefix(string input, int pos, string prefix) =>
        input.Length - pos >= prefix.Length && string.CompareOrdinal(input, pos, prefix, 0, prefix.Length) == 0;

    // Calico trims only space and tab; any other control character is a syntax error.
    private static int SkipWhitespace(string input, int pos)
    {
        while (pos < input.Length && (input[pos] == ' ' || input[pos] == '\t'))
            pos++;
        return pos;
    }
}
