namespace PreDnatAppliance.ClassifierTables;

/// <summary>A growable little-endian byte buffer with 64-byte aligned sections.</summary>
internal sealed class BlobWriter
{
    private byte[] _buffer;

    public BlobWriter(int capacity) => _buffer = new byte[Math.Max(capacity, 256)];

    public int Length { get; private set; }

    /// <summary>Reserves an aligned, zeroed section and returns its offset.</summary>
    public int Reserve(int bytes)
    {
        int start = TableFormat.Align(Length, TableFormat.Alignment);
        Ensure(start + bytes);
        Length = start + bytes;
        return start;
    }

    public void WriteUInt32(int offset, uint value)
    {
        _buffer[offset] = (byte)value;
        _buffer[offset + 1] = (byte)(value >> 8);
        _buffer[offset + 2] = (byte)(value >> 16);
        _buffer[offset + 3] = (byte)(value >> 24);
    }

    public void WriteUInt64(int offset, ulong value)
    {
        WriteUInt32(offset, (uint)value);
        WriteUInt32(offset + 4, (uint)(value >> 32));
    }

    public ulong ReadUInt64(int offset)
    {
        ulong v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | _buffer[offset + i];
        return v;
    }

    public void WriteByte(int offset, byte value) => _buffer[offset] = value;

    public byte[] ToArray()
    {
        var result = new byte[TableFormat.Align(Length, TableFormat.Alignment)];
        Array.Copy(_buffer, result, Length);
        return result;
    }

    private void Ensure(int size)
    {
        if (size <= _buffer.Length) return;
        long grown = Math.Max(size, (long)_buffer.Length * 2);
        if (grown > int.MaxValue) grown = int.MaxValue;
        Array.Resize(ref _buffer, (int)grown);
    }
}
