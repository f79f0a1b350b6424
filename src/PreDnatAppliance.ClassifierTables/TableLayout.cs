namespace PreDnatAppliance.ClassifierTables;

/// <summary>How far the builder may combine fields; it combines less when a product would be too large.</summary>
public enum TableLayout
{
    /// <summary>Five separate fields: the kernel ANDs five bit vectors.</summary>
    FiveFields,

    /// <summary>Protocol x source port x destination port combined: three vectors.</summary>
    CrossProduct,

    /// <summary>Also two of source, destination and that product combined: two vectors.</summary>
    PairProduct,
}
