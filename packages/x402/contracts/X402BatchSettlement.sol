// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BatchSettlementLib, IDepositCollector, IERC20Minimal} from "./BatchSettlementLib.sol";
import {BatchSettlementTypedData} from "./BatchSettlementTypedData.sol";

/// @title x402BatchSettlement, for local chains: escrowed unidirectional payment channels for the x402
///        `batch-settlement` scheme on EVM.
/// @notice Written from the x402 `batch-settlement` EVM specification and the published interface of the
///         reference contract (its functions, EIP-712 types, events and error names), so that payloads signed for
///         the canonical deployment are good here. No state is set by a constructor: the EIP-712 domain separator
///         is computed from address(this) and block.chainid on every use and the reentrancy lock lives in transient
///         storage (EIP-1153), so the runtime code works when installed at the canonical address with anvil_setCode.
///         Never deploy it anywhere that matters.
contract x402BatchSettlement is BatchSettlementTypedData {
    struct ChannelState {
        uint128 balance;
        uint128 totalClaimed;
    }

    struct WithdrawalState {
        uint128 amount;
        uint40 initiatedAt;
    }

    struct ReceiverState {
        uint128 totalClaimed;
        uint128 totalSettled;
    }

    uint40 public constant MIN_WITHDRAW_DELAY = 15 minutes;
    uint40 public constant MAX_WITHDRAW_DELAY = 30 days;

    mapping(bytes32 channelId => ChannelState) public channels;
    /// Advanced by every cooperative refund (direct or signed), before the amount is capped.
    mapping(bytes32 channelId => uint256) public refundNonce;
    mapping(bytes32 channelId => WithdrawalState) public pendingWithdrawals;
    mapping(address receiver => mapping(address token => ReceiverState)) public receivers;

    /// Transient, so that it starts unlocked in every transaction whether or not a constructor ever ran.
    bool private transient locked;

    event ChannelCreated(bytes32 indexed channelId, ChannelConfig config);
    event ChannelClosed(bytes32 indexed channelId, ChannelConfig config);
    event Deposited(bytes32 indexed channelId, address indexed sender, uint128 amount, uint128 newBalance);
    event Claimed(bytes32 indexed channelId, address indexed sender, uint128 claimAmount, uint128 newTotalClaimed);
    event Settled(address indexed receiver, address indexed token, address indexed sender, uint128 amount);
    event Refunded(bytes32 indexed channelId, address indexed sender, uint128 amount);
    event WithdrawInitiated(bytes32 indexed channelId, uint128 amount, uint40 finalizeAfter);
    event WithdrawFinalized(bytes32 indexed channelId, address indexed sender, uint128 amount);

    error InvalidChannel();
    error ZeroDeposit();
    error DepositOverflow();
    error InvalidSignature();
    error NotReceiverAuthorizer();
    error NotAuthorizedToClaim();
    error NotAuthorizedToRefund();
    error ClaimExceedsCeiling();
    error ClaimExceedsBalance();
    error WithdrawalAlreadyPending();
    error WithdrawalNotPending();
    error NotAuthorizedToFinalizeWithdraw();
    error WithdrawDelayNotElapsed();
    error NothingToWithdraw();
    error WithdrawAmountExceedsAvailable();
    error WithdrawDelayOutOfRange();
    error EmptyBatch();
    error DepositCollectionFailed();
    error InvalidCollector();
    error InvalidRefundNonce();
    error ZeroRefund();
    error ReentrancyGuardReentrantCall();

    modifier nonReentrant() {
        if (locked) revert ReentrancyGuardReentrantCall();
        locked = true;
        _;
        locked = false;
    }

    // ---- deposits -------------------------------------------------------------------------------------------

    /// Credits `amount` to the channel of `config`, pulled from the payer by `collector` (ERC-3009 or Permit2).
    /// The contract's own token balance must grow by exactly `amount`, whatever the collector does.
    function deposit(ChannelConfig calldata config, uint128 amount, address collector, bytes calldata collectorData)
        external
        nonReentrant
    {
        if (
            config.payer == address(0) || config.receiver == address(0) || config.receiverAuthorizer == address(0)
                || config.token == address(0)
        ) revert InvalidChannel();
        if (config.withdrawDelay < MIN_WITHDRAW_DELAY || config.withdrawDelay > MAX_WITHDRAW_DELAY) {
            revert WithdrawDelayOutOfRange();
        }
        if (amount == 0) revert ZeroDeposit();
        if (collector == address(0)) revert InvalidCollector();

        bytes32 channelId = getChannelId(config);
        ChannelState storage channel = channels[channelId];
        if (amount > type(uint128).max - channel.balance) revert DepositOverflow();
        bool opens = channel.balance == 0 && channel.totalClaimed == 0;
        channel.balance += amount;

        uint256 held = IERC20Minimal(config.token).balanceOf(address(this));
        IDepositCollector(collector).collect(config.payer, config.token, amount, channelId, collectorData);
        if (IERC20Minimal(config.token).balanceOf(address(this)) != held + amount) revert DepositCollectionFailed();

        if (opens) emit ChannelCreated(channelId, config);
        emit Deposited(channelId, msg.sender, amount, channel.balance);
    }

    // ---- claims and settlement --------------------------------------------------------------------------------

    /// Records voucher claims; the sender must be the receiver or the receiver authorizer of every row's channel.
    function claim(VoucherClaim[] calldata voucherClaims) external nonReentrant {
        if (voucherClaims.length == 0) revert EmptyBatch();
        for (uint256 i = 0; i < voucherClaims.length; ++i) {
            if (!isReceiverSide(msg.sender, voucherClaims[i].voucher.channel)) revert NotAuthorizedToClaim();
            applyClaim(voucherClaims[i], getChannelId(voucherClaims[i].voucher.channel));
        }
    }

    /// Records voucher claims for channels sharing one receiver authorizer, who signed the ClaimBatch; anyone relays.
    function claimWithSignature(VoucherClaim[] calldata voucherClaims, bytes calldata authorizerSignature)
        external
        nonReentrant
    {
        if (voucherClaims.length == 0) revert EmptyBatch();
        address authorizer = voucherClaims[0].voucher.channel.receiverAuthorizer;
        for (uint256 i = 1; i < voucherClaims.length; ++i) {
            if (voucherClaims[i].voucher.channel.receiverAuthorizer != authorizer) revert NotReceiverAuthorizer();
        }
        bytes32[] memory channelIds = channelIdsOf(voucherClaims);
        if (!BatchSettlementLib.isValidSignatureNow(authorizer, claimBatchDigest(voucherClaims, channelIds), authorizerSignature)) {
            revert InvalidSignature();
        }
        for (uint256 i = 0; i < voucherClaims.length; ++i) {
            applyClaim(voucherClaims[i], channelIds[i]);
        }
    }

    /// Sends `receiver` everything claimed for it in `token` and not yet sent. Anyone may call; nothing owed is a no-op.
    function settle(address receiver, address token) external nonReentrant {
        ReceiverState storage state = receivers[receiver][token];
        uint128 amount = state.totalClaimed - state.totalSettled;
        if (amount == 0) return;
        state.totalSettled = state.totalClaimed;
        BatchSettlementLib.safeTransfer(token, receiver, amount);
        emit Settled(receiver, token, msg.sender, amount);
    }

    // ---- the payer's timed withdrawal ---------------------------------------------------------------------------

    /// Starts the withdrawal delay for `amount` of the unclaimed escrow; payer or payer authorizer only.
    function initiateWithdraw(ChannelConfig calldata config, uint128 amount) external nonReentrant {
        if (msg.sender != config.payer && msg.sender != config.payerAuthorizer) revert InvalidChannel();
        if (amount == 0) revert NothingToWithdraw();
        bytes32 channelId = getChannelId(config);
        WithdrawalState storage withdrawal = pendingWithdrawals[channelId];
        if (withdrawal.initiatedAt != 0) revert WithdrawalAlreadyPending();
        ChannelState storage channel = channels[channelId];
        if (amount > channel.balance - channel.totalClaimed) revert WithdrawAmountExceedsAvailable();

        withdrawal.amount = amount;
        withdrawal.initiatedAt = uint40(block.timestamp);
        emit WithdrawInitiated(channelId, amount, uint40(block.timestamp) + config.withdrawDelay);
    }

    /// After the delay, pays the payer the pending amount, capped by what is still unclaimed then.
    function finalizeWithdraw(ChannelConfig calldata config) external nonReentrant {
        if (msg.sender != config.payer && msg.sender != config.payerAuthorizer) revert NotAuthorizedToFinalizeWithdraw();
        bytes32 channelId = getChannelId(config);
        WithdrawalState storage withdrawal = pendingWithdrawals[channelId];
        if (withdrawal.initiatedAt == 0) revert WithdrawalNotPending();
        if (block.timestamp < uint256(withdrawal.initiatedAt) + config.withdrawDelay) revert WithdrawDelayNotElapsed();

        ChannelState storage channel = channels[channelId];
        uint128 available = channel.balance - channel.totalClaimed;
        uint128 amount = withdrawal.amount < available ? withdrawal.amount : available;
        delete pendingWithdrawals[channelId];
        channel.balance -= amount;

        emit WithdrawFinalized(channelId, msg.sender, amount);
        if (channel.balance == 0 && channel.totalClaimed == 0) emit ChannelClosed(channelId, config);
        if (amount > 0) BatchSettlementLib.safeTransfer(config.token, config.payer, amount);
    }

    // ---- cooperative refunds ------------------------------------------------------------------------------------

    /// Returns up to `amount` of the unclaimed escrow to the payer; receiver or receiver authorizer only.
    function refund(ChannelConfig calldata config, uint128 amount) external nonReentrant {
        if (!isReceiverSide(msg.sender, config)) revert NotAuthorizedToRefund();
        executeRefund(config, amount);
    }

    /// `refund` authorised by the receiver authorizer's EIP-712 Refund signature for the current nonce; anyone relays.
    function refundWithSignature(
        ChannelConfig calldata config,
        uint128 amount,
        uint256 nonce,
        bytes calldata receiverAuthorizerSignature
    ) external nonReentrant {
        bytes32 channelId = getChannelId(config);
        if (nonce != refundNonce[channelId]) revert InvalidRefundNonce();
        bytes32 digest = getRefundDigest(channelId, nonce, amount);
        if (!BatchSettlementLib.isValidSignatureNow(config.receiverAuthorizer, digest, receiverAuthorizerSignature)) {
            revert InvalidSignature();
        }
        executeRefund(config, amount);
    }

    // ---- batching -----------------------------------------------------------------------------------------------

    /// Runs each call on this contract in order (e.g. a claim then a refund in one transaction); any revert reverts all.
    function multicall(bytes[] calldata data) external returns (bytes[] memory results) {
        results = new bytes[](data.length);
        for (uint256 i = 0; i < data.length; ++i) {
            (bool ok, bytes memory answer) = address(this).delegatecall(data[i]);
            if (!ok) {
                assembly {
                    revert(add(answer, 0x20), mload(answer))
                }
            }
            results[i] = answer;
        }
    }

    // ---- internals ------------------------------------------------------------------------------------------------

    function isReceiverSide(address sender, ChannelConfig calldata config) private pure returns (bool) {
        return sender == config.receiver || sender == config.receiverAuthorizer;
    }

    /// Raises the channel's totalClaimed to the row's (cumulative, so a replayed or older row changes nothing),
    /// within the payer-signed ceiling and the escrow. `channelId` is the row's config's, computed by the caller.
    function applyClaim(VoucherClaim calldata row, bytes32 channelId) private {
        ChannelConfig calldata config = row.voucher.channel;
        ChannelState storage channel = channels[channelId];
        if (row.totalClaimed <= channel.totalClaimed) return;
        if (row.totalClaimed > row.voucher.maxClaimableAmount) revert ClaimExceedsCeiling();
        if (row.totalClaimed > channel.balance) revert ClaimExceedsBalance();

        bytes32 digest = getVoucherDigest(channelId, row.voucher.maxClaimableAmount);
        bool signed = config.payerAuthorizer != address(0)
            ? BatchSettlementLib.recover(digest, row.signature) == config.payerAuthorizer
            : BatchSettlementLib.isValidSignatureNow(config.payer, digest, row.signature);
        if (!signed) revert InvalidSignature();

        uint128 added = row.totalClaimed - channel.totalClaimed;
        channel.totalClaimed = row.totalClaimed;
        receivers[config.receiver][config.token].totalClaimed += added;
        emit Claimed(channelId, msg.sender, added, row.totalClaimed);
    }

    /// The nonce advances first, even when nothing is left to refund; a pending withdrawal shrinks by the refund.
    function executeRefund(ChannelConfig calldata config, uint128 amount) private {
        if (amount == 0) revert ZeroRefund();
        bytes32 channelId = getChannelId(config);
        refundNonce[channelId] += 1;

        ChannelState storage channel = channels[channelId];
        uint128 available = channel.balance - channel.totalClaimed;
        uint128 refunded = amount < available ? amount : available;
        if (refunded == 0) return;
        channel.balance -= refunded;

        WithdrawalState storage withdrawal = pendingWithdrawals[channelId];
        if (withdrawal.initiatedAt != 0) {
            if (refunded >= withdrawal.amount) delete pendingWithdrawals[channelId];
            else withdrawal.amount -= refunded;
        }

        emit Refunded(channelId, msg.sender, refunded);
        if (channel.balance == 0 && channel.totalClaimed == 0) emit ChannelClosed(channelId, config);
        BatchSettlementLib.safeTransfer(config.token, config.payer, refunded);
    }
}
