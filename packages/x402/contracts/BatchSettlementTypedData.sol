// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// The typed data of x402BatchSettlement (X402BatchSettlement.sol): the channel config and voucher structs, the
/// EIP-712 type hashes and the digests, under the domain "x402 Batch Settlement" version 1 of this contract. The
/// domain separator is computed on every use from address(this) and block.chainid, not cached by a constructor.
abstract contract BatchSettlementTypedData {
    struct ChannelConfig {
        address payer;
        address payerAuthorizer;
        address receiver;
        address receiverAuthorizer;
        address token;
        uint40 withdrawDelay;
        bytes32 salt;
    }

    struct Voucher {
        ChannelConfig channel;
        uint128 maxClaimableAmount;
    }

    struct VoucherClaim {
        Voucher voucher;
        bytes signature;
        uint128 totalClaimed;
    }

    bytes32 public constant CHANNEL_CONFIG_TYPEHASH = keccak256(
        "ChannelConfig(address payer,address payerAuthorizer,address receiver,address receiverAuthorizer,address token,uint40 withdrawDelay,bytes32 salt)"
    );
    bytes32 public constant VOUCHER_TYPEHASH = keccak256("Voucher(bytes32 channelId,uint128 maxClaimableAmount)");
    bytes32 public constant REFUND_TYPEHASH = keccak256("Refund(bytes32 channelId,uint256 nonce,uint128 amount)");
    bytes32 public constant CLAIM_ENTRY_TYPEHASH =
        keccak256("ClaimEntry(bytes32 channelId,uint128 maxClaimableAmount,uint128 totalClaimed)");
    bytes32 public constant CLAIM_BATCH_TYPEHASH = keccak256(
        "ClaimBatch(ClaimEntry[] claims)ClaimEntry(bytes32 channelId,uint128 maxClaimableAmount,uint128 totalClaimed)"
    );
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant HASHED_NAME = keccak256("x402 Batch Settlement");
    bytes32 private constant HASHED_VERSION = keccak256("1");

    // ---- EIP-712 ------------------------------------------------------------------------------------------------

    function eip712Domain()
        external
        view
        returns (bytes1 fields, string memory name, string memory version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] memory extensions)
    {
        return (hex"0f", "x402 Batch Settlement", "1", block.chainid, address(this), bytes32(0), new uint256[](0));
    }

    function domainSeparator() public view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, HASHED_NAME, HASHED_VERSION, block.chainid, address(this)));
    }

    /// The channel id: the EIP-712 hash of the config under this contract's domain (so bound to chain and address).
    function getChannelId(ChannelConfig calldata config) public view returns (bytes32) {
        return typedDataHash(keccak256(abi.encode(CHANNEL_CONFIG_TYPEHASH, config)));
    }

    function getVoucherDigest(bytes32 channelId, uint128 maxClaimableAmount) public view returns (bytes32) {
        return typedDataHash(keccak256(abi.encode(VOUCHER_TYPEHASH, channelId, maxClaimableAmount)));
    }

    function getRefundDigest(bytes32 channelId, uint256 nonce, uint128 amount) public view returns (bytes32) {
        return typedDataHash(keccak256(abi.encode(REFUND_TYPEHASH, channelId, nonce, amount)));
    }

    /// The digest of ClaimBatch(ClaimEntry[] claims), one entry (channelId, maxClaimableAmount, totalClaimed) per row.
    function getClaimBatchDigest(VoucherClaim[] calldata voucherClaims) public view returns (bytes32) {
        return claimBatchDigest(voucherClaims, channelIdsOf(voucherClaims));
    }

    /// Each row's channel id, computed once per batch for both its digest and its claims.
    function channelIdsOf(VoucherClaim[] calldata voucherClaims) internal view returns (bytes32[] memory channelIds) {
        channelIds = new bytes32[](voucherClaims.length);
        for (uint256 i = 0; i < voucherClaims.length; ++i) {
            channelIds[i] = getChannelId(voucherClaims[i].voucher.channel);
        }
    }

    function claimBatchDigest(VoucherClaim[] calldata voucherClaims, bytes32[] memory channelIds)
        internal
        view
        returns (bytes32)
    {
        bytes32[] memory entries = new bytes32[](voucherClaims.length);
        for (uint256 i = 0; i < voucherClaims.length; ++i) {
            VoucherClaim calldata row = voucherClaims[i];
            entries[i] = keccak256(abi.encode(CLAIM_ENTRY_TYPEHASH, channelIds[i], row.voucher.maxClaimableAmount, row.totalClaimed));
        }
        return typedDataHash(keccak256(abi.encode(CLAIM_BATCH_TYPEHASH, keccak256(abi.encodePacked(entries)))));
    }

    function typedDataHash(bytes32 structHash) internal view returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash));
    }

}
