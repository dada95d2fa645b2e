with

source as (

    select * from {{ source('portals', 'portals') }}

),

renamed as (

    select
        portal,
        description as portal_description,
        source_timezone

    from source

)

select * from renamed
