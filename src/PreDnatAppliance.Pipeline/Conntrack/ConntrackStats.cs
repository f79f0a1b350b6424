namespace PreDnatAppliance.Pipeline.Conntrack;

/// <summary>Conntrack counters (per worker, or summed by <see cref="ConntrackTable.Stats"/>).</summary>
public struct ConntrackStats
{
    /// <summary>Packets looked up.</summary>
    public ulong Lookups;
    public ulong Established;
    public ulong Related;
    public ulong New;
    public ulong Invalid;
    public ulong ReEvaluate;

    /// <summary>Entries created by <see cref="ConntrackWorker.Commit"/>.</summary>
    public ulong Inserted;

    /// <summary>Commits that found the flow already tracked.</summary>
    public ulong Existing;

    /// <summary>Commits refused: no free entry and nothing evictable (drop reason conntrack-full).</summary>
    public ulong Full;

    /// <summary>Of <see cref="Full"/>: both index buckets of a key were full (should stay 0 at the default load).</summary>
    public ulong IndexFull;

    /// <summary>Commits refused because the NAT'd reply tuple belongs to another flow (conntrack-clash).</summary>
    public ulong Clash;

    /// <summary>Commits refused because the packet cannot start a flow.</summary>
    public ulong CommitInvalid;

    /// <summary>Live entries evicted to admit a new flow.</summary>
    public ulong Evicted;

    /// <summary>Entries removed because their timeout passed (sweep, lookup or admission).</summary>
    public ulong Expired;

    /// <summary>Entries removed by a RST before any reply.</summary>
    public ulong Closed;

    /// <summary>Entries replaced after a re-evaluated SYN.</summary>
    public ulong Replaced;

    /// <summary>Entries removed by <see cref="ConntrackTable.Purge"/> / <see cref="ConntrackTable.PurgeBackend"/>.</summary>
    public ulong Purged;

    /// <summary>Entries the incremental sweep visited.</summary>
    public ulong Swept;

    public readonly ulong Removed => Evicted + Expired + Closed + Replaced + Purged;

    public readonly ConntrackStats Add(in ConntrackStats o) => new()
    {
        Lookups = Lookups + o.Lookups,
        Established = Established + o.Established,
        Related = Related + o.Related,
        New = New + o.New,
        Invalid = Invalid + o.Invalid,
        ReEvaluate = ReEvaluate + o.ReEvaluate,
        Inserted = Inserted + o.Inserted,
        Existing = Existing + o.Existing,
        Full = Full + o.Full,
        IndexFull = IndexFull + o.IndexFull,
        Clash = Clash + o.Clash,
        CommitInvalid = CommitInvalid + o.CommitInvalid,
        Evicted = Evicted + o.Evicted,
        Expired = Expired + o.Expired,
        Closed = Closed + o.Closed,
        Replaced = Replaced + o.Replaced,
        Purged = Purged + o.Purged,
        Swept = Swept + o.Swept,
    };

    public override readonly string ToString() =>
        $"lookups={Lookups} established={Established} related={Related} new={New} invalid={Invalid} reevaluate={ReEvaluate} " +
        $"inserted={Inserted} existing={Existing} full={Full} index-full={IndexFull} clash={Clash} evicted={Evicted} expired={Expired} " +
        $"closed={Closed} replaced={Replaced} purged={Purged}";
}
