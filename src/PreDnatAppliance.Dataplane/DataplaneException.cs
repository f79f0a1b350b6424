namespace PreDnatAppliance.Dataplane;

/// <summary>A DPDK call failed while the data path started or stopped; the message names the call and the error.</summary>
public sealed class DataplaneException : Exception
{
    public DataplaneException(string message) : base(message) { }
}
