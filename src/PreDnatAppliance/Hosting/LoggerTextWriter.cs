using System.Text;
using Microsoft.Extensions.Logging;

namespace PreDnatAppliance.Hosting;

/// <summary>
/// Turns the data path's line log (<c>Dataplane.Start(..., log)</c>, a TextWriter) into structured log records, one per
/// line. Only the control thread writes to it (start and stop); the workers never log.
/// </summary>
public sealed class LoggerTextWriter : TextWriter
{
    private readonly ILogger _logger;
    private readonly StringBuilder _line = new();

    public LoggerTextWriter(ILogger logger) => _logger = logger;

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_line)
        {
            if (value == '\n')
                Flush();
            else if (value != '\r')
                _line.Append(value);
        }
    }

    public override void Write(string? value)
    {
        if (value is null)
            return;
        foreach (var c in value)
            Write(c);
    }

    public override void WriteLine(string? value)
    {
        Write(value);
        Write('\n');
    }

    public override void Flush()
    {
        lock (_line)
        {
            if (_line.Length == 0)
                return;
            var text = _line.ToString();
            _line.Clear();
            _logger.LogInformation("{Line}", text);
        }
    }
}
